#include "services/sqs/queue_registry.h"

#include <mutex>

namespace fanout::services::sqs {

std::shared_ptr<Queue> QueueRegistry::find(std::string_view account, std::string_view name) const {
  std::shared_lock lock(mutex_);
  auto a = by_account_.find(std::string(account));
  if (a == by_account_.end()) return nullptr;
  auto q = a->second.find(name);
  return q == a->second.end() ? nullptr : q->second;
}

std::shared_ptr<Queue> QueueRegistry::find_by_id(std::uint64_t id) const {
  std::shared_lock lock(mutex_);
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<Queue>> QueueRegistry::list(std::string_view account, std::string_view prefix,
                                                        std::string_view after) const {
  std::vector<std::shared_ptr<Queue>> out;
  std::shared_lock lock(mutex_);
  auto a = by_account_.find(std::string(account));
  if (a == by_account_.end()) return out;
  const auto& queues = a->second;
  auto it = after.empty() || after < prefix ? queues.lower_bound(prefix) : queues.upper_bound(after);
  for (; it != queues.end() && std::string_view(it->first).starts_with(prefix); ++it)
    out.push_back(it->second);
  return out;
}

std::vector<std::shared_ptr<Queue>> QueueRegistry::all() const {
  std::vector<std::shared_ptr<Queue>> out;
  std::shared_lock lock(mutex_);
  out.reserve(by_id_.size());
  for (const auto& [id, queue] : by_id_) out.push_back(queue);
  return out;
}

std::size_t QueueRegistry::size() const {
  std::shared_lock lock(mutex_);
  return by_id_.size();
}

QueueRegistry::InsertResult QueueRegistry::insert(const std::shared_ptr<Queue>& queue, std::int64_t now) {
  std::unique_lock lock(mutex_);
  auto& queues = by_account_[queue->account];
  if (queues.contains(queue->name)) return InsertResult::exists;
  auto key = queue_record_key(queue->account, queue->name);
  if (auto d = deleted_at_.find(key); d != deleted_at_.end()) {
    if (now - d->second < kQueueDeletedRecentlyMs) return InsertResult::deleted_recently;
    deleted_at_.erase(d);
  }
  queues.emplace(queue->name, queue);
  by_id_.emplace(queue->id, queue);
  return InsertResult::inserted;
}

bool QueueRegistry::remove(const std::shared_ptr<Queue>& queue, std::int64_t now) {
  std::unique_lock lock(mutex_);
  auto a = by_account_.find(queue->account);
  if (a == by_account_.end()) return false;
  auto q = a->second.find(queue->name);
  if (q == a->second.end() || q->second != queue) return false;
  a->second.erase(q);
  if (a->second.empty()) by_account_.erase(a);
  by_id_.erase(queue->id);
  // Forget old deletions on the way, so the map stays small.
  for (auto it = deleted_at_.begin(); it != deleted_at_.end();) {
    it = now - it->second >= kQueueDeletedRecentlyMs ? deleted_at_.erase(it) : std::next(it);
  }
  deleted_at_[queue_record_key(queue->account, queue->name)] = now;
  return true;
}

void QueueRegistry::restore(const std::shared_ptr<Queue>& queue) {
  std::unique_lock lock(mutex_);
  by_account_[queue->account][queue->name] = queue;
  by_id_[queue->id] = queue;
  note_id(queue->id + 1);
}

void QueueRegistry::clear() {
  std::unique_lock lock(mutex_);
  by_account_.clear();
  by_id_.clear();
  deleted_at_.clear();
}

void QueueRegistry::note_id(std::uint64_t used) {
  auto current = next_id_.load();
  while (current < used && !next_id_.compare_exchange_weak(current, used)) {
  }
}

}  // namespace fanout::services::sqs
