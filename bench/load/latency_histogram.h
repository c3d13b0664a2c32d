// A log-linear latency histogram (HdrHistogram-style): exact below 256 ns, then 128 buckets per
// power of two, so any percentile is within 0.4% of the true value. Fixed size, no allocation
// on record, mergeable across threads.
#pragma once

#include <array>
#include <cstdint>

namespace fanout::bench {

class LatencyHistogram {
 public:
  void record(std::uint64_t nanos);
  void merge(const LatencyHistogram& other);

  std::uint64_t count() const { return count_; }
  std::uint64_t max() const { return max_; }
  double mean() const { return count_ == 0 ? 0.0 : static_cast<double>(sum_) / static_cast<double>(count_); }
  // The latency at quantile q in [0, 1] (e.g. 0.99), in nanoseconds; 0 when empty.
  std::uint64_t quantile(double q) const;

 private:
  static constexpr int kSubBits = 8;  // 2^8 exact values, then 2^7 buckets per power of two
  static constexpr int kBuckets = (64 - kSubBits + 2) << (kSubBits - 1);
  static int bucket_of(std::uint64_t nanos);
  static std::uint64_t midpoint_of(int bucket);

  std::array<std::uint64_t, kBuckets> buckets_{};
  std::uint64_t count_ = 0;
  std::uint64_t sum_ = 0;
  std::uint64_t max_ = 0;
};

}  // namespace fanout::bench
