// What the HTTP server hands a request to. The server knows nothing of AWS.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstdint>
#include <functional>
#include <string>

namespace fanout::net {

namespace http = boost::beast::http;
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;
using RequestHeader = http::request_header<>;

struct Peer {
  std::string address;
  bool tls = false;
};

// Sends the response for one request; callable from any thread, exactly once.
using Respond = std::function<void(Response)>;

class HttpHandler {
 public:
  virtual ~HttpHandler() = default;
  // The largest body this request may carry, decided from its header (limits are per service).
  virtual std::uint64_t body_limit(const RequestHeader& header) const = 0;
  virtual void handle(Request request, const Peer& peer, Respond respond) = 0;
};

}  // namespace fanout::net
