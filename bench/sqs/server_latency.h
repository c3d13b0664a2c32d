// fanoutd's own view of request latency: its duration histogram per operation, from
// GET /_fanout/metrics (time from a request read to its answer handed to the connection). Taken
// before and after a benchmark point, it tells the server's share of a latency the client
// measures, which also holds the client's own queueing and the kernel's.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "load/http_load.h"
#include "server/metrics.h"

namespace fanout::bench {

struct ServerHistogram {
  static constexpr const auto& kBounds = server::Metrics::kBuckets;  // seconds
  // Requests that finished within each bound (cumulative, as Prometheus buckets are).
  std::array<std::uint64_t, kBounds.size()> at_most{};
  std::uint64_t count = 0;
};

// The histogram of one operation now; all zeros if fanoutd has none (or cannot be reached).
ServerHistogram scrape_server_histogram(const Endpoint& endpoint, std::string_view service,
                                        std::string_view operation);

// "fanoutd <operation> p99 <= 5 ms" for the requests between two scrapes: the smallest bucket
// bound under which at least 99% of them finished; "" when there were none.
std::string server_p99_note(std::string_view operation, const ServerHistogram& before,
                            const ServerHistogram& after);

}  // namespace fanout::bench
