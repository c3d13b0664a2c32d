#include "server/metrics.h"

#include <cstdio>

namespace fanout::server {

void Metrics::record(const std::string& service, const std::string& operation, int status, double seconds) {
  std::lock_guard lock(mutex_);
  ++requests_[{service, operation, status}];
  auto& h = latency_[{service, operation}];
  for (std::size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) ++h.buckets[i];
  }
  ++h.count;
  h.sum += seconds;
}

std::string Metrics::render_prometheus() const {
  std::lock_guard lock(mutex_);
  std::string out;
  out += "# HELP fanout_requests_total Requests served, by service, operation and HTTP status.\n";
  out += "# TYPE fanout_requests_total counter\n";
  for (const auto& [key, count] : requests_) {
    const auto& [service, operation, status] = key;
    out.append("fanout_requests_total{service=\"")
        .append(service)
        .append("\",operation=\"")
        .append(operation)
        .append("\",status=\"")
        .append(std::to_string(status))
        .append("\"} ")
        .append(std::to_string(count))
        .append("\n");
  }
  out += "# HELP fanout_request_duration_seconds Request latency, by service and operation.\n";
  out += "# TYPE fanout_request_duration_seconds histogram\n";
  char buf[64];
  for (const auto& [key, h] : latency_) {
    std::string labels = "service=\"" + key.first + "\",operation=\"" + key.second + "\"";
    for (std::size_t i = 0; i < kBuckets.size(); ++i) {
      std::snprintf(buf, sizeof buf, "%g", kBuckets[i]);
      out += "fanout_request_duration_seconds_bucket{" + labels + ",le=\"" + buf + "\"} " +
             std::to_string(h.buckets[i]) + "\n";
    }
    out += "fanout_request_duration_seconds_bucket{" + labels + ",le=\"+Inf\"} " + std::to_string(h.count) +
           "\n";
    std::snprintf(buf, sizeof buf, "%.6f", h.sum);
    out += "fanout_request_duration_seconds_sum{" + labels + "} " + buf + "\n";
    out += "fanout_request_duration_seconds_count{" + labels + "} " + std::to_string(h.count) + "\n";
  }
  return out;
}

}  // namespace fanout::server
