// A closed-loop HTTP/1.1 load generator on Boost.Asio: N keep-alive connections spread over T
// client threads (one io_context each); every connection sends a request, reads the whole
// response (Content-Length, chunked or until close), records the latency and sends the next,
// for a warm-up and then a measured duration. The request bytes come from a pluggable
// generator, so the same engine drives the health check today and SQS/SNS workloads later.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "load/latency_histogram.h"

namespace fanout::bench {

struct Endpoint {
  std::string host = "127.0.0.1";  // a numeric address or a resolvable name
  std::uint16_t port = 0;
};

// Which request the generator is asked for.
struct RequestContext {
  std::size_t connection = 0;   // 0 .. connections-1, stable for a connection's lifetime
  std::size_t thread = 0;       // the client thread that owns the connection
  std::uint64_t iteration = 0;  // requests this connection sent before this one
};

// Writes the complete request bytes (request line, headers, body) into `out`, which holds the
// connection's previous request: assign over it to reuse its storage. Called on the owning client
// thread; generators shared by several threads must be thread-safe.
using RequestGenerator = std::function<void(const RequestContext&, std::string& out)>;

// Called with every complete response when set (the body is then collected, de-chunked): lets a
// workload carry state from a response into its next request (receipt handles, say).
using ResponseObserver = std::function<void(const RequestContext&, int status, std::string_view body)>;

// Whether a status is a success for this workload (default: 2xx). A benchmark of an error
// path says which status it expects.
using StatusPredicate = std::function<bool(int status)>;

struct LoadOptions {
  Endpoint endpoint;
  std::size_t connections = 1;
  std::size_t threads = 1;  // client threads; connections are dealt round-robin
  std::chrono::nanoseconds warmup = std::chrono::seconds(1);
  std::chrono::nanoseconds duration = std::chrono::seconds(5);
  RequestGenerator generator;
  StatusPredicate expected;    // empty: 2xx
  ResponseObserver observer;   // optional
  bool head_requests = false;  // the generator sends HEAD: responses carry no body
  // Open-loop pacing: when > 0, requests start at this many per second in total (spread evenly
  // over the client threads), each on whichever connection is free; a connection that is late
  // sends at once. Latency is measured from the actual send. 0: closed loop, as fast as answered.
  double rate = 0;
  // When > 0, at most this many requests are sent in total (split evenly over the client
  // threads, the warm-up included); the load ends as soon as they are all answered.
  std::uint64_t max_requests = 0;
  // Called on client thread 0 when the measured window opens and when it closes (e.g. to sample
  // the servers' CPU time over exactly the window).
  std::function<void()> at_window_start;
  std::function<void()> at_window_end;
};

struct LoadResult {
  double seconds = 0;                     // the measured window
  std::uint64_t requests = 0;             // responses completed in the window (expected or not)
  std::uint64_t expected = 0;             // ... whose status the predicate accepts
  std::uint64_t unexpected = 0;           // ... whose status it does not (non-2xx by default)
  std::uint64_t errors = 0;               // connect/read/write failures, malformed or truncated responses
  std::uint64_t reconnects = 0;           // connections reopened (server closed or error)
  std::map<int, std::uint64_t> statuses;  // status -> responses in the window
  LatencyHistogram latency;               // of every response completed in the window, in nanoseconds
  std::string first_error;                // a sample, for the report

  double requests_per_second() const { return seconds > 0 ? static_cast<double>(requests) / seconds : 0; }
  double quantile_ms(double q) const { return static_cast<double>(latency.quantile(q)) / 1e6; }
};

// Runs the load and returns what was measured in the window after the warm-up.
// Throws std::invalid_argument for bad options and std::runtime_error if the host does not resolve.
LoadResult run_load(const LoadOptions& options);

// One request on a fresh connection, blocking: for setup steps and to check that a target
// answers what a benchmark expects before loading it.
struct ProbeResult {
  int status = 0;  // 0 when the request failed
  std::string body;
  std::string error;
};
ProbeResult probe(const Endpoint& endpoint, const std::string& request,
                  std::chrono::milliseconds timeout = std::chrono::seconds(5));

// A generator that sends the same bytes every time.
RequestGenerator fixed_request(std::string request);

}  // namespace fanout::bench
