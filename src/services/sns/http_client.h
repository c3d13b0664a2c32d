// The HTTP/HTTPS client SNS delivers to subscriber endpoints with: asynchronous (Boost.Beast on
// one I/O thread, no thread per delivery), one connection per request, an overall deadline, TLS
// with SNI and certificate verification against the system's trust store.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace fanout::services::sns {

class HttpClient {
 public:
  struct Request {
    std::string url;  // http:// or https://
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    std::chrono::milliseconds timeout{15000};
  };
  struct Response {
    int status = 0;     // HTTP status; 0 when no response arrived
    std::string error;  // why there is no response (connect refused, timeout, TLS, bad URL)
  };

  explicit HttpClient(bool verify_tls_peer = true);
  ~HttpClient();  // stop()
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // POSTs the request; `done` runs exactly once on the client's I/O thread, unless the client is
  // stopped first (then it never runs).
  void post(Request request, std::function<void(Response)> done);
  // Stops the I/O thread; pending requests are abandoned.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fanout::services::sns
