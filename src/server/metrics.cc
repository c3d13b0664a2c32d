#include "server/metrics.h"

namespace fanout::server {

void Metrics::record(const std::string& service, const std::string& operation, int status, double seconds) {
  std::lock_guard lock(mutex_);
  ++requests_[{service, operation, status}];
  latency_.try_emplace({service, operation}, kBuckets).first->second.record(seconds);
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
  for (const auto& [key, histogram] : latency_) {
    const std::string labels = "service=\"" + key.first + "\",operation=\"" + key.second + "\"";
    histogram.render(out, "fanout_request_duration_seconds", labels);
  }
  return out;
}

}  // namespace fanout::server
