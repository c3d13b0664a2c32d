#include "services/sqs/dedup_cache.h"

#include "services/sqs/message_record.h"

namespace fanout::services::sqs {

std::string DedupCache::key(bool per_group, std::string_view group_id, std::string_view deduplication_id) {
  std::string k;
  if (per_group) {
    k.append(group_id);
    k.push_back('\0');
  }
  k.append(deduplication_id);
  return k;
}

const DedupCache::Entry* DedupCache::find(const std::string& key, std::int64_t now) const {
  auto it = entries_.find(key);
  if (it == entries_.end() || it->second.expires_ms <= now) return nullptr;
  return &it->second;
}

void DedupCache::put(const std::string& key, Entry entry) {
  order_.emplace_back(entry.expires_ms, key);
  entries_[key] = std::move(entry);
}

void DedupCache::erase(const std::string& key) { entries_.erase(key); }

void DedupCache::sweep(std::int64_t now, std::vector<std::string>& expired) {
  while (!order_.empty() && order_.front().first <= now) {
    auto it = entries_.find(order_.front().second);
    if (it != entries_.end() && it->second.expires_ms <= now) {
      expired.push_back(it->first);
      entries_.erase(it);
    }
    order_.pop_front();
  }
}

void DedupCache::clear() {
  entries_.clear();
  order_.clear();
}

std::string DedupCache::encode(const Entry& entry) {
  std::string out;
  put_u64_be(out, static_cast<std::uint64_t>(entry.expires_ms));
  out.push_back(static_cast<char>(entry.message_id.size()));
  out += entry.message_id;
  out += entry.sequence_number;
  return out;
}

std::optional<DedupCache::Entry> DedupCache::decode(std::string_view bytes) {
  if (bytes.size() < 9) return std::nullopt;
  Entry entry;
  entry.expires_ms = static_cast<std::int64_t>(get_u64_be(bytes.substr(0, 8)));
  auto id_size = static_cast<unsigned char>(bytes[8]);
  if (bytes.size() < 9u + id_size) return std::nullopt;
  entry.message_id = std::string(bytes.substr(9, id_size));
  entry.sequence_number = std::string(bytes.substr(9 + id_size));
  return entry;
}

}  // namespace fanout::services::sqs
