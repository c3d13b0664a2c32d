#include "client/retry_policy.h"

#include <algorithm>

namespace fanout::client {
namespace {

constexpr int kRetryCost = 5;
constexpr int kTimeoutRetryCost = 10;
constexpr int kNoRetryIncrement = 1;

}  // namespace

RetryPolicy::RetryPolicy(RetryOptions options)
    : options_(options), quota_(options.initial_quota), random_(std::random_device{}()) {}

bool RetryPolicy::should_retry(int attempt, FailureKind kind, std::chrono::milliseconds& delay) {
  if (kind == FailureKind::not_retryable || attempt >= options_.max_attempts) return false;
  std::lock_guard lock(mutex_);
  const int cost = kind == FailureKind::timeout ? kTimeoutRetryCost : kRetryCost;
  if (options_.use_quota) {
    if (quota_ < cost) return false;
    quota_ -= cost;
  }
  last_cost_ = cost;
  // Full jitter: uniform in [0, min(cap, base * 2^(attempt-1))].
  const auto base = kind == FailureKind::throttling ? options_.throttling_base_delay : options_.base_delay;
  const double ceiling = std::min<double>(
      static_cast<double>(options_.max_backoff.count()),
      static_cast<double>(base.count()) * static_cast<double>(1ULL << std::min(attempt - 1, 30)));
  std::uniform_real_distribution<double> jitter(0.0, 1.0);
  delay = std::chrono::milliseconds(static_cast<std::int64_t>(jitter(random_) * ceiling));
  return true;
}

void RetryPolicy::on_success(bool was_retried) {
  std::lock_guard lock(mutex_);
  quota_ = std::min(options_.initial_quota, quota_ + (was_retried ? last_cost_ : kNoRetryIncrement));
}

int RetryPolicy::quota() const {
  std::lock_guard lock(mutex_);
  return quota_;
}

}  // namespace fanout::client
