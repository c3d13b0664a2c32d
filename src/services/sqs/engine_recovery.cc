// Recovery at start: queues, then every message's small meta record (never the bodies), FIFO
// deduplication entries and move tasks. In-flight messages keep their visibility deadline and
// receive count; records of queues that no longer exist are erased.
#include <mutex>
#include <unordered_map>
#include <unordered_set>

#include "common/crypto.h"
#include "services/sqs/engine_internal.h"
#include "services/sqs/sqs_engine.h"

namespace fanout::services::sqs {

void SqsEngine::recover() {
  const auto t = now();
  store::Batch fixes;

  if (auto key = store_.get(kStateCf, kHmacKey); key && key->size() == 32) {
    hmac_key_ = *key;
  } else {
    hmac_key_ = crypto::random_bytes(32);
    fixes.put(kStateCf, kHmacKey, hmac_key_);
  }
  handles_ = std::make_unique<ReceiptHandleCodec>(hmac_key_);
  if (auto next = store_.get(kStateCf, kNextQueueIdKey); next && next->size() == 8) {
    registry_.note_id(get_u64_be(*next));
  }

  std::unordered_map<std::uint64_t, std::shared_ptr<Queue>> by_id;
  store_.scan(kQueuesCf, "", [&](std::string_view key, std::string_view value) {
    if (auto queue = Queue::decode_record(value)) {
      registry_.restore(queue);
      by_id[queue->id] = queue;
    } else {
      fixes.erase(kQueuesCf, key);
    }
    return true;
  });

  std::unordered_map<std::uint64_t, std::uint64_t> reserved;
  store_.scan(kStateCf, "seq/", [&](std::string_view key, std::string_view value) {
    if (key.size() == 12 && value.size() == 8) reserved[get_u64_be(key.substr(4))] = get_u64_be(value);
    return true;
  });

  // Meta records come in key order: queue by queue, each in seq order.
  std::unordered_map<std::uint64_t, std::uint64_t> max_seq;
  std::unordered_set<std::uint64_t> orphans;
  std::uint64_t current_id = 0;
  std::shared_ptr<Queue> current;
  std::unique_lock<std::mutex> current_lock;
  store_.scan(kMetaCf, "", [&](std::string_view key, std::string_view value) {
    auto parsed = parse_message_key(key);
    if (!parsed) {
      fixes.erase(kMetaCf, key);
      return true;
    }
    const auto [queue_id, seq] = *parsed;
    if (queue_id != current_id || !current) {
      if (current_lock.owns_lock()) current_lock.unlock();
      current_id = queue_id;
      auto it = by_id.find(queue_id);
      current = it == by_id.end() ? nullptr : it->second;
      if (!current) {
        orphans.insert(queue_id);
        return true;
      }
      current_lock = std::unique_lock(current->mutex);
    }
    if (!current) return true;
    auto meta = decode_meta(value);
    if (!meta) {
      fixes.erase(kMetaCf, key);
      fixes.erase(kMessagesCf, key);
      return true;
    }
    current->index.insert(seq, *meta, t);
    auto& top = max_seq[queue_id];
    if (seq > top) top = seq;
    return true;
  });
  if (current_lock.owns_lock()) current_lock.unlock();
  for (auto queue_id : orphans) {
    fixes.erase_range(kMetaCf, queue_key_prefix(queue_id), queue_key_prefix(queue_id + 1));
    fixes.erase_range(kMessagesCf, queue_key_prefix(queue_id), queue_key_prefix(queue_id + 1));
  }
  for (auto& [queue_id, queue] : by_id) {
    std::uint64_t floor = std::max(reserved[queue_id], max_seq[queue_id] + 1);
    queue->next_seq = floor + 2 * kSeqBlock;
  }

  store_.scan(kDedupCf, "", [&](std::string_view key, std::string_view value) {
    auto entry = key.size() >= 8 ? DedupCache::decode(value) : std::nullopt;
    auto it = key.size() >= 8 ? by_id.find(get_u64_be(key.substr(0, 8))) : by_id.end();
    if (!entry || it == by_id.end() || entry->expires_ms <= t) {
      fixes.erase(kDedupCf, key);
      return true;
    }
    std::lock_guard lock(it->second->mutex);
    it->second->dedup.put(std::string(key.substr(8)), std::move(*entry));
    return true;
  });

  std::lock_guard lock(tasks_mutex_);
  store_.scan(kStateCf, "task/", [&](std::string_view key, std::string_view value) {
    auto task = MoveTask::decode(value);
    if (!task) {
      fixes.erase(kStateCf, key);
      return true;
    }
    auto shared = std::make_shared<MoveTask>(std::move(*task));
    if (shared->status == "CANCELLING") {
      shared->status = "CANCELLED";
      fixes.put(kStateCf, key, shared->encode());
    }
    tasks_[shared->task_id] = shared;
    return true;
  });
  for (auto& [id, task] : tasks_) {
    if (task->status == "RUNNING") schedule_move_task(task, 0);
  }

  if (!fixes.empty()) {
    if (auto status = store_.write(std::move(fixes)); !status.ok) {
      throw std::runtime_error("sqs: recovery could not write its fixes: " + status.message);
    }
  }
}

}  // namespace fanout::services::sqs
