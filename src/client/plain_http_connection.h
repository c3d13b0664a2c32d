// One keep-alive HTTP/1.1 connection over plain TCP (fanoutd on this machine or the LAN), driven
// directly: a non-blocking socket, one sendmsg per request, poll() for the answer, then recv until
// Beast's parser has the whole response: three system calls for a typical request.
//
// Why not libcurl, as for HTTPS: on the 2-core bench machine libcurl's own bookkeeping (option
// reset, URL parsing, connection-cache checks, progress metering, zero-timeout polls) cost about as
// much CPU per call as signing and JSON together (bench/client/sqs_client_bench, RESULTS.md), and
// the e-commerce services make two calls per ten events. HTTPS keeps libcurl for its TLS, trust
// store and certificate checks, which this class does not attempt.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include "common/unique_fd.h"

namespace fanout::auth {
struct HttpRequest;
}

namespace fanout::client {

struct Endpoint;
struct HttpResponse;
struct TransportOptions;

class PlainHttpConnection {
 public:
  enum class Failure { none, timed_out, aborted };

  PlainHttpConnection();
  ~PlainHttpConnection();
  PlainHttpConnection(const PlainHttpConnection&) = delete;
  PlainHttpConnection& operator=(const PlainHttpConnection&) = delete;

  // Sends the request to endpoint (http://), reusing the open connection when it goes to the same
  // host and port, and returns the whole response. A reused connection that the server had closed
  // (no byte of a response came back) is replaced once, transparently, as libcurl does. Throws
  // TransportError otherwise; `failure` then says whether the request timeout or the abort flag
  // ended it. Any failure closes the connection. A line break inside the method, target or a
  // header throws std::invalid_argument before anything is sent.
  HttpResponse exchange(const Endpoint& endpoint, const auth::HttpRequest& request,
                        const TransportOptions& options, const std::atomic<bool>* abort_flag,
                        Failure& failure);

 private:
  struct Attempt;
  class ReadBuffer;

  void connect(const Endpoint& endpoint, const Attempt& attempt);
  // Sends head (request_head's) and the request's body, reads the answer.
  HttpResponse round_trip(const std::string& head, const auth::HttpRequest& request, const Attempt& attempt,
                          bool reused);

  UniqueFd socket_;
  std::string peer_;  // host:port of the open connection
  std::unique_ptr<ReadBuffer> inbox_;
};

}  // namespace fanout::client
