// The timer thread: due order, cancellation, and that a timer due before the one the thread is
// sleeping for still fires on time (the thread is woken only for a new earliest deadline).
#include "common/timer_queue.h"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

namespace fanout {
namespace {

using namespace std::chrono_literals;

TEST(TimerQueue, AnEarlierTimerWakesTheSleepingThread) {
  TimerQueue timers;
  std::promise<void> late_fired;
  std::promise<void> early_fired;
  timers.schedule(60'000, [&] { late_fired.set_value(); });
  std::this_thread::sleep_for(20ms);  // the thread now sleeps until the minute-long timer
  const auto start = std::chrono::steady_clock::now();
  timers.schedule(30, [&] { early_fired.set_value(); });
  ASSERT_EQ(early_fired.get_future().wait_for(5s), std::future_status::ready);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  EXPECT_EQ(late_fired.get_future().wait_for(0ms), std::future_status::timeout);
}

TEST(TimerQueue, LaterTimersFireInDueOrderAndCancelledOnesNever) {
  TimerQueue timers;
  std::mutex mutex;
  std::vector<int> fired;
  std::promise<void> last;
  auto record = [&](int n) {
    return [&, n] {
      std::lock_guard lock(mutex);
      fired.push_back(n);
    };
  };
  timers.schedule(10, record(1));
  // Each of these is due after the earliest one, so none wakes the thread; they still fire.
  timers.schedule(80, record(3));
  const auto cancelled = timers.schedule(50, record(99));
  timers.schedule(40, record(2));
  timers.schedule(120, [&] { last.set_value(); });
  timers.cancel(cancelled);
  ASSERT_EQ(last.get_future().wait_for(5s), std::future_status::ready);
  std::lock_guard lock(mutex);
  EXPECT_EQ(fired, (std::vector<int>{1, 2, 3}));
}

TEST(TimerQueue, StopDropsPendingTimers) {
  bool fired = false;
  {
    TimerQueue timers;
    timers.schedule(60'000, [&] { fired = true; });
    timers.stop();
  }
  EXPECT_FALSE(fired);
}

}  // namespace
}  // namespace fanout
