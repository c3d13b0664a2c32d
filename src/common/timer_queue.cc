#include "common/timer_queue.h"

#include <algorithm>
#include <chrono>

namespace fanout {

namespace {
std::int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
}  // namespace

TimerQueue::TimerQueue() : thread_([this] { run(); }) {}

TimerQueue::~TimerQueue() { stop(); }

TimerQueue::TimerId TimerQueue::schedule(std::int64_t delay_ms, std::function<void()> fn) {
  std::lock_guard lock(mutex_);
  TimerId id = next_id_++;
  live_.insert(id);
  const std::int64_t due_ms = steady_ms() + std::max<std::int64_t>(0, delay_ms);
  // The thread sleeps until the earliest deadline; only a new earliest one must wake it. Waking
  // it for every timer (a long poll's deadline on each parked receive) cost a context switch each.
  const bool earliest = heap_.empty() || due_ms < heap_.top().due_ms;
  heap_.push(Entry{due_ms, id, std::move(fn)});
  if (earliest) wake_.notify_one();
  return id;
}

void TimerQueue::cancel(TimerId id) {
  std::lock_guard lock(mutex_);
  if (live_.contains(id)) cancelled_.insert(id);
}

void TimerQueue::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
    wake_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

void TimerQueue::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    if (heap_.empty()) {
      wake_.wait(lock);
      continue;
    }
    auto now = steady_ms();
    if (heap_.top().due_ms > now) {
      wake_.wait_for(lock, std::chrono::milliseconds(heap_.top().due_ms - now));
      continue;
    }
    Entry entry = std::move(const_cast<Entry&>(heap_.top()));
    heap_.pop();
    live_.erase(entry.id);
    if (cancelled_.erase(entry.id)) continue;
    lock.unlock();
    entry.fn();
    lock.lock();
  }
}

}  // namespace fanout
