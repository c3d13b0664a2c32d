#include "visibility_extender.h"

#include <iostream>

namespace fanout::apps {

VisibilityExtender::VisibilityExtender(const client::ClientConfig& config, std::string queue_url,
                                       int visibility_timeout_seconds)
    : sqs_(config),
      queue_url_(std::move(queue_url)),
      visibility_timeout_(std::max(1, visibility_timeout_seconds)) {
  thread_ = std::thread([this] { run(); });
}

VisibilityExtender::~VisibilityExtender() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  stop_requested_.notify_all();
  thread_.join();
}

void VisibilityExtender::cover(std::vector<client::SqsReceiptEntry> entries) {
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mutex_);
  entries_ = std::move(entries);
  for (auto& entry : entries_) entry.visibility_timeout = visibility_timeout_;
  covered_at_ = now;
  ++generation_;
}

int VisibilityExtender::extensions() const {
  std::lock_guard lock(mutex_);
  return extensions_;
}

void VisibilityExtender::run() {
  // Half the timeout leaves a full half for the extension itself to get through retries.
  const auto interval = std::chrono::milliseconds(visibility_timeout_ * 500);
  const auto stop = [this] { return stopping_; };
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    if (entries_.empty()) {
      // A batch covered while this sleeps was made invisible at most `interval` ago when it
      // ends, so its extension (due `interval` after covered_at_) is still on time.
      stop_requested_.wait_for(lock, interval, stop);
      continue;
    }
    const auto due = covered_at_ + interval;
    if (std::chrono::steady_clock::now() < due) {
      stop_requested_.wait_until(lock, due, stop);
      continue;  // the batch may have been replaced or uncovered meanwhile: look again
    }
    const std::uint64_t generation = generation_;
    std::vector<client::SqsReceiptEntry> entries = entries_;
    lock.unlock();
    const auto extended_at = std::chrono::steady_clock::now();
    try {
      for (std::size_t i = 0; i < entries.size(); i += 10) {
        const auto first = entries.begin() + static_cast<std::ptrdiff_t>(i);
        const auto last = entries.begin() + static_cast<std::ptrdiff_t>(std::min(entries.size(), i + 10));
        std::vector<client::SqsReceiptEntry> chunk(first, last);
        sqs_.change_message_visibility_batch(queue_url_, chunk);
      }
    } catch (const std::exception& e) {
      std::cerr << "visibility extension failed: " << e.what() << "\n";
    }
    lock.lock();
    ++extensions_;
    if (generation_ == generation) covered_at_ = extended_at;  // next one due `interval` later
  }
}

}  // namespace fanout::apps
