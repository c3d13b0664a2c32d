// One queue: its identity (immutable), and under `mutex` its settings, tags, message index,
// FIFO deduplication and receive-attempt caches and parked long polls. Also the JSON form of
// the queue record the store keeps.
#pragma once

#include <atomic>
#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/timer_queue.h"
#include "services/sqs/dedup_cache.h"
#include "services/sqs/long_poll.h"
#include "services/sqs/message_index.h"
#include "services/sqs/queue_settings.h"

namespace fanout::services::sqs {

constexpr std::int64_t kReceiveAttemptWindowMs = std::int64_t{5} * 60 * 1000;

// A FIFO receive remembered by its ReceiveRequestAttemptId.
struct ReceiveAttempt {
  std::int64_t expires_ms = 0;
  std::vector<std::pair<std::uint64_t, std::uint32_t>> messages;  // (seq, receive count)
};

class Queue {
 public:
  Queue(std::uint64_t id, std::string account, std::string name, std::string region, bool fifo);

  const std::uint64_t id;
  const std::string account;
  const std::string name;
  const std::string region;
  const bool fifo;
  const std::string arn;

  // Sequence numbers are taken without the mutex (staging into another queue's batch must not
  // nest queue locks); the engine persists a reservation ahead of them.
  std::atomic<std::uint64_t> next_seq{1};

  // Messages sent (made receivable), delivered by receives and deleted since start: read by the
  // console, which derives rates from successive samples. Relaxed atomics, nothing else.
  std::atomic<std::uint64_t> sent_total{0};
  std::atomic<std::uint64_t> received_total{0};
  std::atomic<std::uint64_t> deleted_total{0};

  std::mutex mutex;
  // --- guarded by mutex ---
  bool deleted = false;
  QueueSettings settings;
  std::map<std::string, std::string> tags;
  std::int64_t created_ms = 0;
  std::int64_t modified_ms = 0;
  std::optional<std::int64_t> last_purge_ms;
  MessageIndex index;
  DedupCache dedup;
  std::unordered_map<std::string, ReceiveAttempt> attempts;
  std::list<std::shared_ptr<Waiter>> waiters;
  TimerQueue::TimerId wake_timer = 0;
  std::int64_t wake_at_ms = 0;

  // The persisted queue record (identity, settings, tags, timestamps) as JSON text.
  std::string encode_record() const;
  // Rebuilds a queue from its record; nullptr when the record is unusable.
  static std::shared_ptr<Queue> decode_record(std::string_view json);
};

// Store key of a queue record: "<account>/<name>".
std::string queue_record_key(std::string_view account, std::string_view name);

}  // namespace fanout::services::sqs
