#include "sqs/server_latency.h"

#include <cstdio>
#include <cstdlib>

namespace fanout::bench {

namespace {

// The number after `prefix` (a sample's name and labels) in the metrics text, or 0.
std::uint64_t sample(const std::string& text, const std::string& prefix) {
  const auto at = text.find(prefix);
  if (at == std::string::npos) return 0;
  return std::strtoull(text.c_str() + at + prefix.size(), nullptr, 10);
}

}  // namespace

ServerHistogram scrape_server_histogram(const Endpoint& endpoint, std::string_view service,
                                        std::string_view operation) {
  ServerHistogram histogram;
  const auto answer = probe(endpoint, "GET /_fanout/metrics HTTP/1.1\r\nHost: " + endpoint.host + "\r\n\r\n");
  if (answer.status != 200) return histogram;
  const std::string labels =
      "{service=\"" + std::string(service) + "\",operation=\"" + std::string(operation) + "\"";
  for (std::size_t i = 0; i < ServerHistogram::kBounds.size(); ++i) {
    char bound[32];
    std::snprintf(bound, sizeof bound, "%g", ServerHistogram::kBounds[i]);  // as fanoutd prints it
    histogram.at_most[i] =
        sample(answer.body, "fanout_request_duration_seconds_bucket" + labels + ",le=\"" + bound + "\"} ");
  }
  histogram.count = sample(answer.body, "fanout_request_duration_seconds_count" + labels + "} ");
  return histogram;
}

std::string server_p99_note(std::string_view operation, const ServerHistogram& before,
                            const ServerHistogram& after) {
  const std::uint64_t count = after.count - before.count;
  if (count == 0) return "";
  for (std::size_t i = 0; i < ServerHistogram::kBounds.size(); ++i) {
    const std::uint64_t within = after.at_most[i] - before.at_most[i];
    if (static_cast<double>(within) >= 0.99 * static_cast<double>(count)) {
      char text[96];
      std::snprintf(text, sizeof text, "fanoutd %.*s p99 <= %g ms", static_cast<int>(operation.size()),
                    operation.data(), ServerHistogram::kBounds[i] * 1000);
      return text;
    }
  }
  return "fanoutd " + std::string(operation) + " p99 > 5 s";
}

}  // namespace fanout::bench
