#include "common/duration_histogram.h"

#include <cstdio>

namespace fanout {

DurationHistogram::DurationHistogram(std::span<const double> bounds)
    : bounds_(bounds), buckets_(bounds.size(), 0) {}

void DurationHistogram::record(double seconds) {
  for (std::size_t i = 0; i < bounds_.size(); ++i) {
    if (seconds <= bounds_[i]) ++buckets_[i];
  }
  ++count_;
  sum_ += seconds;
}

void DurationHistogram::render(std::string& out, std::string_view name, std::string_view labels) const {
  const std::string prefix = labels.empty() ? std::string() : std::string(labels) + ",";
  const std::string braces = labels.empty() ? std::string() : "{" + std::string(labels) + "}";
  char number[64];
  for (std::size_t i = 0; i < bounds_.size(); ++i) {
    std::snprintf(number, sizeof number, "%g", bounds_[i]);
    out.append(name).append("_bucket{").append(prefix).append("le=\"").append(number).append("\"} ");
    out.append(std::to_string(buckets_[i])).append("\n");
  }
  out.append(name).append("_bucket{").append(prefix).append("le=\"+Inf\"} ");
  out.append(std::to_string(count_)).append("\n");
  std::snprintf(number, sizeof number, "%.6f", sum_);
  out.append(name).append("_sum").append(braces).append(" ").append(number).append("\n");
  out.append(name).append("_count").append(braces).append(" ").append(std::to_string(count_)).append("\n");
}

}  // namespace fanout
