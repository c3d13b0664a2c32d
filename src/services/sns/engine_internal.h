// Definitions shared by the SnsEngine's implementation files (not part of its interface).
#pragma once

#include <cstdint>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "services/sns/sns_engine.h"
#include "services/sqs/sqs_engine.h"

namespace fanout::services::sns {

// Column families.
inline constexpr std::string_view kTopicsCf = "sns_topics";                // topic ARN → topic record
inline constexpr std::string_view kSubscriptionsCf = "sns_subscriptions";  // subscription ARN → record
inline constexpr std::string_view kOutboxCf = "sns_outbox";                // delivery id → outbox entry
inline constexpr std::string_view kStateCf = "sns_state";                  // key, FIFO state, SMS settings

// sns_state keys.
inline constexpr std::string_view kSigningKeyKey = "signing/key";
inline constexpr std::string_view kSigningCertKey = "signing/cert";
inline std::string dedup_prefix(std::string_view topic_arn) {
  return "dedup/" + std::string(topic_arn) + "\n";
}
inline std::string dedup_store_key(std::string_view topic_arn, std::string_view key) {
  return dedup_prefix(topic_arn) + std::string(key);
}
inline std::string seq_store_key(std::string_view topic_arn) { return "seq/" + std::string(topic_arn); }
inline std::string sms_store_key(std::string_view account) { return "sms/" + std::string(account); }

inline constexpr std::int64_t kDeduplicationWindowMs = std::int64_t{5} * 60 * 1000;
inline constexpr std::int64_t kTokenLifetimeMs = 3LL * 24 * 3600 * 1000;
inline constexpr std::size_t kMaxStandardTopicsPerAccount = 100000;
inline constexpr std::size_t kMaxFifoTopicsPerAccount = 1000;
inline constexpr std::size_t kMaxSubscriptionsPerFifoTopic = 100;
inline constexpr std::size_t kMaxSubscriptionsPerLargeMessageTopic = 100;
inline constexpr std::size_t kMaxSubscriptionsPerTopic = 12'500'000;
inline constexpr std::size_t kMaxFilterPoliciesPerTopic = 200;
inline constexpr std::string_view kSnsPrincipal = "sns.amazonaws.com";
// The SenderId SQS shows on messages SNS delivered.
inline constexpr std::string_view kSnsSenderId = "AIDAIT2UOQQY3AUEKVGXU";

// Keeps callbacks (commits, timers, deliveries) from running into a destroyed engine. A callback
// runs under the shared lock; the destructor takes it exclusively once to mark the engine gone.
// Nested guarded calls on one thread (a sink completing synchronously) run without relocking.
struct SnsEngine::Lifeline {
  std::shared_mutex mutex;
  bool alive = true;

  template <class F>
  void run(F&& fn) {
    thread_local const Lifeline* current = nullptr;
    if (current == this) {
      fn();
      return;
    }
    std::shared_lock lock(mutex);
    if (!alive) return;
    const Lifeline* outer = current;
    current = this;
    struct Restore {
      const Lifeline*& slot;
      const Lifeline* value;
      ~Restore() { slot = value; }
    } restore{current, outer};
    fn();
  }
};

// A FIFO topic's publish order and deduplication window.
struct SnsEngine::FifoState {
  struct Dedup {
    std::string message_id;
    std::string sequence_number;
    std::int64_t expires_ms = 0;
  };
  std::mutex mutex;  // held from sequencing until the publish's batch is handed to the store
  std::uint64_t last_seq = 0;
  std::unordered_map<std::string, Dedup> dedup;  // dedup key (group + "\n" + id, or id) → entry
};

struct SnsEngine::TopicEntry {
  std::shared_ptr<const Topic> topic;
  std::shared_ptr<const SubscriptionList> subscriptions;
  std::shared_ptr<FifoState> fifo;  // FIFO topics only
};

// One Publish or PublishBatch: everything it writes, committed as one batch.
struct SnsEngine::PublishJob {
  std::shared_ptr<const Topic> topic;
  std::shared_ptr<const SubscriptionList> subscriptions;
  std::shared_ptr<FifoState> fifo;
  std::int64_t now = 0;
  store::Batch batch;
  sqs::StagedSends staged;
  std::vector<SettleStagedRecord> firehose_staged;  // Firehose records in `batch`
  std::vector<OutboxEntry> outbox;
  std::vector<std::string> dedup_added;  // FIFO: released if the batch fails
};

// "10000000000000000042": FIFO sequence numbers as AWS formats them (20 digits).
std::string format_sequence_number(std::uint64_t seq);

}  // namespace fanout::services::sns
