// A service's own SQLite database (WAL mode): the orders service records orders, the payments
// service payments, each keyed by the event id so a redelivered event is never booked twice.
#pragma once

#include <cstdint>
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
  // One transaction for the whole batch (INSERT OR IGNORE); throws std::runtime_error on failure,
  // after which nothing of the batch is recorded.
  CommitResult record(const std::vector<ConsumerCreatedEvent>& events);

  std::int64_t count();

 private:
  void exec(const char* sql);
  ServiceKind kind_;
  std::mutex mutex_;
  sqlite3* db_ = nullptr;
};

}  // namespace fanout::apps
