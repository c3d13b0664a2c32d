#include "load/latency_histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace fanout::bench {

namespace {
constexpr std::uint64_t kHalf = std::uint64_t{1} << (8 - 1);
}

int LatencyHistogram::bucket_of(std::uint64_t nanos) {
  if (nanos < (std::uint64_t{1} << kSubBits)) return static_cast<int>(nanos);
  const int msb = 63 - std::countl_zero(nanos);
  const int exponent = msb - kSubBits + 1;      // >= 1
  const std::uint64_t sub = nanos >> exponent;  // in [2^(k-1), 2^k)
  return static_cast<int>(static_cast<std::uint64_t>(exponent) * kHalf + sub);
}

std::uint64_t LatencyHistogram::midpoint_of(int bucket) {
  const auto b = static_cast<std::uint64_t>(bucket);
  if (b < (std::uint64_t{1} << kSubBits)) return b;
  const std::uint64_t exponent = b / kHalf - 1;
  const std::uint64_t sub = b - exponent * kHalf;
  return (sub << exponent) + ((std::uint64_t{1} << exponent) >> 1);
}

void LatencyHistogram::record(std::uint64_t nanos) {
  ++buckets_[static_cast<std::size_t>(bucket_of(nanos))];
  ++count_;
  sum_ += nanos;
  max_ = std::max(max_, nanos);
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  for (std::size_t i = 0; i < buckets_.size(); ++i) buckets_[i] += other.buckets_[i];
  count_ += other.count_;
  sum_ += other.sum_;
  max_ = std::max(max_, other.max_);
}

std::uint64_t LatencyHistogram::quantile(double q) const {
  if (count_ == 0) return 0;
  q = std::clamp(q, 0.0, 1.0);
  // The smallest value with at least ceil(q * count) samples at or below it.
  const auto rank =
      std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_))));
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < buckets_.size(); ++i) {
    seen += buckets_[i];
    if (seen >= rank) return std::min(midpoint_of(static_cast<int>(i)), max_);
  }
  return max_;
}

}  // namespace fanout::bench
