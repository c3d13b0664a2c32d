// Group commit: one thread makes every batch waiting at that moment durable with a single write
// (and so a single fsync), then acknowledges them in arrival order. Throughput under concurrency
// becomes many batches per fsync instead of one.
//
// Batches marked Batch::acknowledge_when_written() are acknowledged between the group's write and
// its fsync: a group holding both kinds is written without syncing, its write-acknowledged batches
// are answered, then the WAL is fsynced and the rest answered. Each kind keeps its arrival order;
// a write-acknowledged batch may be answered before an earlier batch that waits for the fsync.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "store/store.h"

namespace fanout::store {

class GroupCommitter {
 public:
  using Callback = std::function<void(const Status&)>;
  // Applies a whole group as one unit, fsynced when `sync`; called on the committer thread only.
  // Batches are in arrival order and never empty.
  using GroupWriter = std::function<Status(const std::vector<const Batch*>& group, bool sync)>;
  // Makes everything written so far durable (the WAL's fsync); committer thread only.
  using Syncer = std::function<Status()>;

  GroupCommitter(GroupWriter writer, Syncer syncer);
  // Commits everything still queued (running its callbacks), then stops the thread.
  ~GroupCommitter();

  GroupCommitter(const GroupCommitter&) = delete;
  GroupCommitter& operator=(const GroupCommitter&) = delete;

  // Queues the batch. A batch already known to be invalid comes with a failed `verdict`: it is
  // not written, but its callback still runs in order with that status, on the committer thread.
  void submit(Batch batch, Callback done, Status verdict = Status::success());
  // Blocks until every batch submitted before the call is durable and its callback has run.
  // Must not be called from a callback (it would wait for itself).
  void flush();

  // True on the committer thread itself, i.e. inside a callback or the GroupWriter.
  bool on_committer_thread() const { return std::this_thread::get_id() == thread_.get_id(); }

  // Number of groups written so far.
  std::uint64_t groups() const;

 private:
  struct Pending {
    Batch batch;
    Callback done;
    Status verdict;
  };

  void run();

  GroupWriter writer_;
  Syncer syncer_;
  mutable std::mutex mutex_;
  std::condition_variable work_ready_;
  std::condition_variable progress_;
  std::vector<Pending> queue_;
  std::uint64_t submitted_ = 0;
  std::uint64_t completed_ = 0;  // batches whose callback has returned
  std::uint64_t groups_ = 0;
  bool stopping_ = false;
  std::thread thread_;  // last: starts once everything above is initialised
};

}  // namespace fanout::store
