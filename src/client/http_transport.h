// HTTP(S) with keep-alive connections, connect and whole-request timeouts. One transport per thread.
// https:// goes through one reused libcurl easy handle (TLS verification against the system's
// trust store or AWS_CA_BUNDLE); plain http:// (fanoutd) through a PlainHttpConnection, which costs
// a fraction of libcurl's CPU per call.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "auth/sigv4.h"

namespace fanout::client {

struct Endpoint;
class PlainHttpConnection;

struct TransportOptions {
  std::chrono::milliseconds connect_timeout{5000};
  // Longer than SQS's 20 s long poll plus margin.
  std::chrono::milliseconds request_timeout{70000};
  bool verify_tls = true;
  std::string ca_bundle;  // PEM file of trusted CAs instead of the system store (AWS_CA_BUNDLE)
};

struct HttpResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // Case-insensitive; nullptr when absent.
  const std::string* header(std::string_view name) const;
};

class HttpTransport {
 public:
  explicit HttpTransport(TransportOptions options = {});
  ~HttpTransport();
  HttpTransport(const HttpTransport&) = delete;
  HttpTransport& operator=(const HttpTransport&) = delete;

  // Sends the (signed) request to the endpoint. Throws TransportError when no response arrives;
  // timed_out() then tells whether it was a timeout.
  HttpResponse send(const Endpoint& endpoint, const auth::HttpRequest& request);
  bool timed_out() const { return timed_out_; }

  // While the flag is set, requests in flight are abandoned (TransportError, aborted() true):
  // lets a long poll end promptly at shutdown. nullptr disables.
  void set_abort_flag(const std::atomic<bool>* flag) { abort_flag_ = flag; }
  bool aborted() const { return aborted_; }

 private:
  struct Handle;
  HttpResponse send_with_curl(const Endpoint& endpoint, const auth::HttpRequest& request);

  std::unique_ptr<Handle> handle_;
  std::unique_ptr<PlainHttpConnection> plain_;
  TransportOptions options_;
  bool timed_out_ = false;
  bool aborted_ = false;
  const std::atomic<bool>* abort_flag_ = nullptr;
};

}  // namespace fanout::client
