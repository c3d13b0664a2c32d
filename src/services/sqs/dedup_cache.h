// FIFO deduplication: MessageDeduplicationIds seen in the last 5 minutes (per queue, or per
// message group with DeduplicationScope=messageGroup), with the MessageId and SequenceNumber a
// duplicate send is answered with. Persisted by the engine so a restart keeps deduplicating.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace fanout::services::sqs {

constexpr std::int64_t kDeduplicationIntervalMs = std::int64_t{5} * 60 * 1000;

class DedupCache {
 public:
  struct Entry {
    std::int64_t expires_ms = 0;
    std::string message_id;
    std::string sequence_number;
  };

  // The cache key: the id alone (scope queue) or group + id (scope messageGroup).
  static std::string key(bool per_group, std::string_view group_id, std::string_view deduplication_id);

  // A live (unexpired) entry, or null.
  const Entry* find(const std::string& key, std::int64_t now) const;
  void put(const std::string& key, Entry entry);
  void erase(const std::string& key);
  // Drops expired entries, appending their keys.
  void sweep(std::int64_t now, std::vector<std::string>& expired);
  void clear();
  std::size_t size() const { return entries_.size(); }

  static std::string encode(const Entry& entry);
  static std::optional<Entry> decode(std::string_view bytes);

 private:
  std::unordered_map<std::string, Entry> entries_;
  std::deque<std::pair<std::int64_t, std::string>> order_;  // (expires, key) in insertion order
};

}  // namespace fanout::services::sqs
