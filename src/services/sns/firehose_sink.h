// Where SNS hands Firehose deliveries: implemented by the Firehose engine and registered with
// SnsEngine::set_firehose_sink(). Until one is registered, Firehose deliveries wait in the SNS
// outbox (persisted), and they are retried per AWS's managed-endpoint policy when the sink
// reports a retryable failure.
#pragma once

#include <functional>
#include <string>

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
};

}  // namespace fanout::services::sns
