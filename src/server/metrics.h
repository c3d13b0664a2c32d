// Request counters and latency histograms, rendered in the Prometheus text format.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <tuple>

#include "common/duration_histogram.h"

namespace fanout::server {

class Metrics {
 public:
  // The latency histogram's bucket bounds, in seconds (bench/sqs reads the histogram back).
  static constexpr std::array<double, 12> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                      0.05,   0.1,   0.25,   0.5,   1.0,  5.0};

  void record(const std::string& service, const std::string& operation, int status, double seconds);
  std::string render_prometheus() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::tuple<std::string, std::string, int>, std::uint64_t> requests_;
  std::map<std::pair<std::string, std::string>, DurationHistogram> latency_;
};

}  // namespace fanout::server
