// Signed SQS (JSON 1.0 protocol, as current SDKs speak it) and SNS (query protocol) requests for
// the benchmarks, plus the two workloads both benchmarks share: a setup call answered once, and
// the Receive(10) + DeleteMessageBatch consumer loop.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "auth/sigv4.h"
#include "load/http_load.h"
#include "load/target_spec.h"

namespace fanout::bench {

struct AwsTarget {
  Endpoint endpoint;
  auth::Credentials credentials;
  std::string region = "us-east-1";
};

// "host:port" → Endpoint; "AKID:SECRET[:ACCOUNT]" → Credentials. Throw std::invalid_argument.
Endpoint parse_endpoint(std::string_view text);
auth::Credentials parse_credential(std::string_view text);

std::int64_t unix_seconds();

// A signed JSON 1.0 SQS call (X-Amz-Target: AmazonSQS.<operation>), signed now.
std::string sqs_request(const AwsTarget& target, std::string_view operation, std::string body);
// A signed query-protocol SNS call: `form` without Action/Version.
std::string sns_request(const AwsTarget& target, std::string_view action, std::string_view form);

// One request on a fresh connection; throws std::runtime_error unless it answers 200.
std::string call_ok(const AwsTarget& target, const std::string& request, std::string_view what);

// Creates (or finds) a standard queue; returns its URL.
std::string create_queue(const AwsTarget& target, std::string_view name,
                         std::string_view attributes_json = "{}");
// ApproximateNumberOfMessages (visible) of a queue.
std::uint64_t visible_messages(const AwsTarget& target, std::string_view queue_url);

// A JSON string literal, escaped.
std::string json_string(std::string_view text);
// application/x-www-form-urlencoded value.
std::string form_encode(std::string_view text);

// The consumer loop, per connection: ReceiveMessage (MaxNumberOfMessages 10, WaitTimeSeconds
// wait_seconds), then a DeleteMessageBatch of every handle it got, then the next receive.
// Counts messages received and deleted while `counting` is set; on_body sees every message
// body received (on the client thread), when set.
class ReceiveDeleteWorkload {
 public:
  ReceiveDeleteWorkload(AwsTarget target, std::string queue_url, int wait_seconds, std::size_t connections);
  RequestGenerator generator();
  ResponseObserver observer();

  std::function<void(std::string_view body)> on_body;
  bool counting = false;  // touched on the client thread only (at_window_start/end)
  std::uint64_t received = 0;
  std::uint64_t deleted = 0;
  std::uint64_t empty_receives = 0;
  std::uint64_t failed_deletes = 0;

 private:
  struct Slot {
    std::vector<std::string> handles;  // from the last receive, to delete next
    bool deleting = false;             // the request in flight is the delete
  };
  AwsTarget target_;
  std::string queue_url_;
  std::string receive_request_;  // signed once: the same bytes each time
  std::vector<Slot> slots_;
};

}  // namespace fanout::bench
