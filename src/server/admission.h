// Admission control: the caps that keep one client from starving the rest. A request over a cap
// is answered at once with its service's throttling error instead of queueing without bound.
#pragma once

#include <atomic>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "protocol/service_error.h"

namespace fanout::server {

struct AdmissionLimits {
  // Requests being processed at once (long polls excluded: they have their own caps).
  std::size_t max_inflight_requests = 4096;
  // SQS ReceiveMessage calls waiting at once, in all and per account.
  std::size_t max_long_polls = 10'000;
  std::size_t max_long_polls_per_account = 5'000;
};

class Admission {
 public:
  explicit Admission(const AdmissionLimits& limits) : limits_(limits) {}

  // Holds one admitted slot; releases it when the last copy goes (the response was sent).
  using Ticket = std::shared_ptr<void>;

  Ticket admit_request();
  Ticket admit_long_poll(const std::string& account_id);

  std::size_t inflight_requests() const { return requests_.load(); }
  std::size_t long_polls() const { return long_polls_total_; }
  std::uint64_t throttled() const { return throttled_.load(); }
  const AdmissionLimits& limits() const { return limits_; }

 private:
  AdmissionLimits limits_;
  std::atomic<std::size_t> requests_{0};
  std::atomic<std::uint64_t> throttled_{0};
  std::mutex mutex_;
  std::size_t long_polls_total_ = 0;
  std::map<std::string, std::size_t, std::less<>> long_polls_by_account_;
};

// Each service's own answer to "too many requests", as AWS sends it: SQS RequestThrottled,
// SNS Throttled (429), Firehose ThrottlingException, S3 SlowDown (503), CloudFormation Throttling.
protocol::ServiceError throttling_error(const std::string& service);

}  // namespace fanout::server
