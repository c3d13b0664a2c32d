// Definitions shared by the SqsEngine's implementation files (not part of its interface).
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "services/sqs/message_record.h"
#include "services/sqs/queue.h"
#include "services/sqs/sqs_engine.h"

namespace fanout::services::sqs {

// Column families.
inline constexpr std::string_view kQueuesCf = "sqs_queues";      // "<account>/<name>" → queue record JSON
inline constexpr std::string_view kMessagesCf = "sqs_messages";  // queue id + seq → message record
inline constexpr std::string_view kMetaCf = "sqs_meta";          // queue id + seq → meta record
inline constexpr std::string_view kDedupCf = "sqs_dedup";        // queue id + dedup key → entry
inline constexpr std::string_view kStateCf = "sqs_state";        // engine keys, seq reservations, tasks

// Entries per *Batch request (SendMessageBatch, DeleteMessageBatch, ChangeMessageVisibilityBatch).
inline constexpr std::size_t kMaxBatchEntries = 10;

// sqs_state keys.
inline constexpr std::string_view kHmacKey = "hmac_key";
inline constexpr std::string_view kNextQueueIdKey = "next_queue_id";
inline std::string seq_reservation_key(std::uint64_t queue_id) { return "seq/" + queue_key_prefix(queue_id); }
inline std::string task_key(std::string_view task_id) { return "task/" + std::string(task_id); }
inline std::string dedup_store_key(std::uint64_t queue_id, std::string_view key) {
  return queue_key_prefix(queue_id) + std::string(key);
}

// Sequence numbers are reserved in blocks: the send that takes a multiple of the block size
// persists the next block's end; recovery starts two blocks past anything it can see, so no seq
// (and no receipt handle) is ever reused.
inline constexpr std::uint64_t kSeqBlock = 65536;

inline constexpr std::int64_t kMaxInflightStandard = 120000;

struct SqsEngine::Lifeline {
  std::shared_mutex mutex;
  bool alive = true;
};

struct StagedSends::Item {
  std::shared_ptr<Queue> queue;
  std::uint64_t seq = 0;
  MessageMeta meta;
  std::string dedup_key;  // FIFO: released if the batch fails
  std::string message_id;
};

struct SqsEngine::PreparedSend {
  SendRequest request;
  std::string sender_id;
  std::string md5_of_body;
  std::string md5_of_attributes;
  std::string md5_of_system_attributes;
  std::int64_t delay_seconds = 0;
};

// One receive in progress: picked under the queue's mutex, bodies read outside it, answered
// when both the reads and the commit of its state changes are done.
struct SqsEngine::ReceiveJob {
  struct Picked {
    std::uint64_t seq;
    std::uint32_t receive_count;
    std::int64_t first_receive_ms;
  };
  std::shared_ptr<Queue> queue;
  ReceiveOptions options;
  Completion done;
  std::vector<Picked> picked;
  std::vector<std::optional<MessageRecord>> records;
  StagedSends dead_letters;  // moved to the dead-letter queue, visible there once durable
  store::Status status;
  std::string read_error;       // a body read failed
  std::atomic<int> pending{2};  // body reads + commit
};

// Names a ServiceError for a per-entry batch failure: model shape names become the codes
// AWS puts in BatchResultErrorEntry.
std::string batch_error_code(const protocol::ServiceError& error);
boost::json::object batch_failure(std::string_view id, const protocol::ServiceError& error);

}  // namespace fanout::services::sqs
