// Every queue, by account and name (ordered, for ListQueues prefixes and pagination) and by id
// (receipt handles, recovery), plus the names deleted in the last 60 seconds. A shared_mutex
// guards the maps only: it is never held while a queue's own mutex is taken.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "services/sqs/queue.h"

namespace fanout::services::sqs {

constexpr std::int64_t kQueueDeletedRecentlyMs = std::int64_t{60} * 1000;

class QueueRegistry {
 public:
  std::shared_ptr<Queue> find(std::string_view account, std::string_view name) const;
  std::shared_ptr<Queue> find_by_id(std::uint64_t id) const;
  // The account's queues whose name starts with prefix, in name order, starting after `after`.
  std::vector<std::shared_ptr<Queue>> list(std::string_view account, std::string_view prefix,
                                           std::string_view after = {}) const;
  std::vector<std::shared_ptr<Queue>> all() const;
  std::size_t size() const;

  enum class InsertResult { inserted, exists, deleted_recently };
  // Adds the queue unless its name is taken or was deleted less than 60 s before `now`.
  InsertResult insert(const std::shared_ptr<Queue>& queue, std::int64_t now);
  // Removes the queue (if it is still the registered one) and remembers the deletion.
  bool remove(const std::shared_ptr<Queue>& queue, std::int64_t now);
  // Recovery: adds without checks.
  void restore(const std::shared_ptr<Queue>& queue);
  void clear();

  std::uint64_t allocate_id() { return next_id_.fetch_add(1); }
  void note_id(std::uint64_t used);
  std::uint64_t peek_next_id() const { return next_id_.load(); }

 private:
  mutable std::shared_mutex mutex_;
  std::unordered_map<std::string, std::map<std::string, std::shared_ptr<Queue>, std::less<>>> by_account_;
  std::unordered_map<std::uint64_t, std::shared_ptr<Queue>> by_id_;
  std::unordered_map<std::string, std::int64_t> deleted_at_;  // "<account>/<name>" → when
  std::atomic<std::uint64_t> next_id_{1};
};

}  // namespace fanout::services::sqs
