// A service's own SQLite database (WAL mode): the orders service records orders, the payments
// service payments, each keyed by the event id so a redelivered event is never booked twice.
//
// Batches recorded at the same time by several workers are committed together (group commit):
// while one transaction commits, the batches that arrive queue up and the next committer takes
// them all in one transaction. Each fsync then covers several receives' worth of events.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "ecommerce_event.h"

struct sqlite3;

namespace fanout::apps {

enum class ServiceKind { orders, payments };

class RecordStore {
 public:
  // synchronous_full: fsync the WAL on every commit (durable across power loss), else NORMAL.
  RecordStore(const std::string& path, ServiceKind kind, bool synchronous_full);
  ~RecordStore();
  RecordStore(const RecordStore&) = delete;
  RecordStore& operator=(const RecordStore&) = delete;

  struct CommitResult {
    int recorded = 0;
    int duplicates = 0;  // already recorded (redelivery, producer republish)
  };
  // Records the batch atomically (INSERT OR IGNORE), possibly in one transaction with other
  // threads' batches, and returns once it is committed. Throws std::runtime_error on failure, after
  // which nothing of the batch is recorded.
  CommitResult record(const std::vector<ConsumerCreatedEvent>& events);

  std::int64_t count();

 private:
  class Statement;
  struct PendingBatch;

  void exec(const char* sql);
  // One transaction for every batch of the group; fills in each batch's result or error.
  void commit_group(const std::vector<PendingBatch*>& group);
  void insert(const ConsumerCreatedEvent& event, std::int64_t recorded_at, CommitResult& result);

  ServiceKind kind_;
  sqlite3* db_ = nullptr;
  std::unique_ptr<Statement> insert_;
  std::mutex db_mutex_;  // the connection: one transaction or query at a time

  // Each waiting batch has its own condition variable (PendingBatch::wake), so a commit wakes
  // the threads it committed and the one that commits next, not every waiting worker.
  std::mutex queue_mutex_;
  std::deque<PendingBatch*> queue_;  // waiting for the next transaction
  bool committing_ = false;          // a thread is committing a group (outside queue_mutex_)
};

}  // namespace fanout::apps
