// The AWS SDKs' "standard" retry mode: at most 3 attempts; throttling errors, transient errors
// (500/502/503/504, RequestTimeout, InternalError) and network failures are retried after a
// full-jitter exponential backoff (base 100 ms, 500 ms for throttling, capped at 20 s), paid for
// from a retry quota (500 tokens, 5 per retry, 10 per network timeout, refilled by successes)
// so a client stops amplifying load during an outage.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <random>

namespace fanout::client {

struct RetryOptions {
  int max_attempts = 3;  // AWS_MAX_ATTEMPTS / profile max_attempts
  std::chrono::milliseconds base_delay{100};
  std::chrono::milliseconds throttling_base_delay{500};
  std::chrono::milliseconds max_backoff{20000};
  int initial_quota = 500;
  bool use_quota = true;
};

enum class FailureKind { throttling, transient, timeout, not_retryable };

class RetryPolicy {
 public:
  explicit RetryPolicy(RetryOptions options);

  // Whether attempt number `attempt` (1-based) that failed this way is retried; when it is, the
  // quota is charged and `delay` is set.
  bool should_retry(int attempt, FailureKind kind, std::chrono::milliseconds& delay);
  // A success gives back what its retries cost (or 1 token for a first-try success).
  void on_success(bool was_retried);

  int quota() const;
  const RetryOptions& options() const { return options_; }

 private:
  RetryOptions options_;
  mutable std::mutex mutex_;
  int quota_;
  int last_cost_ = 0;
  std::mt19937_64 random_;
};

}  // namespace fanout::client
