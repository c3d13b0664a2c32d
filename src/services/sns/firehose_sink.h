// Where SNS hands Firehose deliveries: implemented by the Firehose engine and registered with
// SnsEngine::set_firehose_sink(). Until one is registered, Firehose deliveries wait in the SNS
// outbox (persisted), and they are retried per AWS's managed-endpoint policy when the sink
// reports a retryable failure.
//
// Two paths: stage_record() writes the record into the publish's own write batch when the
// stream can take it at once (the common case: a stream of this server, ACTIVE, not throttled),
// so the delivery costs no outbox entry; everything else goes through the outbox and
// put_record(), with its retries and dead-letter queue.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "store/store.h"

namespace fanout::services::sns {

struct FirehosePutResult {
  enum class Outcome {
    delivered,
    retry,     // transient (throttled, buffer full, store unavailable): SNS retries with backoff
    rejected,  // permanent (no such stream, role not allowed): SNS dead-letters or drops now
  };
  Outcome outcome = Outcome::delivered;
  std::string error;  // why, for logs and the dead-letter queue
};

// What stage_record() leaves to do once the caller's batch is settled: called exactly once,
// with true when the batch is durable (the record joins the stream's buffer), false when it
// failed (the record was never stored). It takes the stream's lock, so it must not be called
// under locks the sink's put paths may wait for (SNS calls it from its commit callback).
using SettleStagedRecord = std::function<void(bool committed)>;

class FirehoseSink {
 public:
  virtual ~FirehoseSink() = default;
  // One record for the delivery stream `stream_arn` (arn:aws:firehose:<region>:<account>:
  // deliverystream/<name>), on behalf of the topic owner `account`, assuming `role_arn` (the
  // subscription's SubscriptionRoleArn). `data` is the exact record (the compact JSON envelope,
  // or the raw message, each followed by "\n"). `done` must be called exactly once, on any
  // thread, and must not be called from inside put_record's caller's locks (SNS holds none).
  virtual void put_record(const std::string& account, const std::string& stream_arn,
                          const std::string& role_arn, std::string data,
                          std::function<void(FirehosePutResult)> done) = 0;
  // The same record, written into `batch` (the publish's write batch) when the stream takes it
  // now, so it is durable exactly when the publish is. Returns the settle step, or an empty
  // function when the record must go through put_record() instead; `batch` is then unchanged.
  virtual SettleStagedRecord stage_record(const std::string& account, const std::string& stream_arn,
                                          const std::string& role_arn, std::string_view data,
                                          store::Batch& batch) = 0;
};

}  // namespace fanout::services::sns
