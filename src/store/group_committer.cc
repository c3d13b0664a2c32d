#include "store/group_committer.h"

#include <mutex>
#include <stdexcept>
#include <utility>
#include <vector>

namespace fanout::store {

GroupCommitter::GroupCommitter(GroupWriter writer, Syncer syncer)
    : writer_(std::move(writer)), syncer_(std::move(syncer)), thread_([this] { run(); }) {}

GroupCommitter::~GroupCommitter() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  work_ready_.notify_one();
  thread_.join();
}

void GroupCommitter::submit(Batch batch, Callback done, Status verdict) {
  {
    std::lock_guard lock(mutex_);
    queue_.push_back({std::move(batch), std::move(done), std::move(verdict)});
    ++submitted_;
  }
  work_ready_.notify_one();
}

void GroupCommitter::flush() {
  if (on_committer_thread()) {
    throw std::logic_error("GroupCommitter::flush called from a commit callback");
  }
  std::unique_lock lock(mutex_);
  const std::uint64_t target = submitted_;
  progress_.wait(lock, [&] { return completed_ >= target; });
}

std::uint64_t GroupCommitter::groups() const {
  std::lock_guard lock(mutex_);
  return groups_;
}

void GroupCommitter::run() {
  std::vector<Pending> group;
  std::vector<const Batch*> to_write;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      work_ready_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      // Stop only once drained, so the destructor never drops an accepted batch.
      if (queue_.empty()) return;
      group.swap(queue_);
    }

    // Everything below runs without the lock: submitters keep queueing (forming the next group)
    // while this one is written and fsynced, and callbacks may safely call submit().
    const auto writes = [](const Pending& pending) { return pending.verdict.ok && !pending.batch.empty(); };
    to_write.clear();
    bool on_write = false;  // some batch is acknowledged once written
    bool on_sync = false;   // some batch waits for the fsync
    for (const Pending& pending : group) {
      if (!writes(pending)) continue;
      to_write.push_back(&pending.batch);
      (pending.batch.acknowledged_when_written() ? on_write : on_sync) = true;
    }
    Status durable = Status::success();
    if (on_write && on_sync) {
      const Status written = writer_(to_write, /*sync=*/false);
      for (Pending& pending : group) {
        if (writes(pending) && pending.batch.acknowledged_when_written() && pending.done) {
          std::exchange(pending.done, nullptr)(written);
        }
      }
      durable = written.ok ? syncer_() : written;
    } else if (!to_write.empty()) {
      durable = writer_(to_write, /*sync=*/on_sync);
    }
    for (Pending& pending : group) {
      if (!pending.done) continue;
      pending.done(pending.verdict.ok ? durable : pending.verdict);
    }

    {
      std::lock_guard lock(mutex_);
      completed_ += group.size();
      if (!to_write.empty()) ++groups_;
    }
    progress_.notify_all();
    group.clear();
  }
}

}  // namespace fanout::store
