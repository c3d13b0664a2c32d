// One thread that runs callbacks at given times, for every timer an engine needs (long-poll
// deadlines, delayed deliveries, buffer intervals): a heap, not one OS timer per message.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <queue>
#include <thread>
#include <unordered_set>
#include <vector>

namespace fanout {

class TimerQueue {
 public:
  using TimerId = std::uint64_t;

  TimerQueue();
  ~TimerQueue();
  TimerQueue(const TimerQueue&) = delete;
  TimerQueue& operator=(const TimerQueue&) = delete;

  // Runs fn on the timer thread after delay_ms (steady clock). fn must not block for long.
  TimerId schedule(std::int64_t delay_ms, std::function<void()> fn);
  // A cancelled timer's callback will not run (unless it is already running).
  void cancel(TimerId id);
  // Stops the thread; pending timers are dropped.
  void stop();

 private:
  struct Entry {
    std::int64_t due_ms;
    TimerId id;
    std::function<void()> fn;
    bool operator>(const Entry& other) const {
      return due_ms != other.due_ms ? due_ms > other.due_ms : id > other.id;
    }
  };
  void run();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::priority_queue<Entry, std::vector<Entry>, std::greater<>> heap_;
  std::unordered_set<TimerId> live_;  // scheduled, not yet popped
  std::unordered_set<TimerId> cancelled_;
  TimerId next_id_ = 1;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace fanout
