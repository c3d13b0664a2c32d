// A cumulative histogram of durations, rendered in the Prometheus text format (one _bucket line
// per bound plus +Inf, then _sum and _count). Not synchronised: its owner locks around it.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace fanout {

class DurationHistogram {
 public:
  // `bounds`: ascending upper bounds in seconds, in storage that outlives the histogram (a static
  // array: every histogram of one metric shares it).
  explicit DurationHistogram(std::span<const double> bounds);

  void record(double seconds);
  std::uint64_t count() const { return count_; }

  // Appends this histogram's lines for metric `name`. `labels` (e.g. service="sqs"; may be empty)
  // go into every line, before le.
  void render(std::string& out, std::string_view name, std::string_view labels) const;

 private:
  std::span<const double> bounds_;
  std::vector<std::uint64_t> buckets_;  // cumulative: buckets_[i] counts durations <= bounds_[i]
  std::uint64_t count_ = 0;
  double sum_ = 0;
};

}  // namespace fanout
