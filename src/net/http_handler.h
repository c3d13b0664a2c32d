// What the HTTP server hands a request to. The server knows nothing of AWS.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>

#include "net/file_range_body.h"

namespace fanout::net {

namespace http = boost::beast::http;
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;
using RequestHeader = http::request_header<>;

struct Peer {
  std::string address;
  bool tls = false;
};

// A response whose body is a byte range of a file (S3 GetObject).
using FileResponse = http::response<FileRangeBody>;

// Registers `on_gone` to run once, on the connection's thread, if the client closes its
// connection while its request waits for an answer (a long poll: the wait can end and give back
// its slot and its messages instead of holding them for a reader that is gone). Callable from any
// thread while the request is unanswered; once the answer is on its way nothing runs. Only a
// close is seen (end of stream or a reset), and only while the client sends nothing more.
using DisconnectWatch = std::function<void(std::function<void()> on_gone)>;

// Sends the response for one request; callable from any thread, exactly once, with either an
// in-memory response or (where the server supports it) a file range.
class Respond {
 public:
  Respond() = default;
  template <class F, class = std::enable_if_t<std::is_invocable_v<F&, Response&&> &&
                                              !std::is_same_v<std::decay_t<F>, Respond>>>
  Respond(F send) : send_(std::move(send)) {}  // NOLINT: implicit, as the std::function it replaces
  Respond(std::function<void(Response)> send, std::function<void(FileResponse)> send_file,
          DisconnectWatch watch_disconnect = {})
      : send_(std::move(send)),
        send_file_(std::move(send_file)),
        watch_disconnect_(std::move(watch_disconnect)) {}

  void operator()(Response response) const { send_(std::move(response)); }
  void operator()(FileResponse response) const { send_file_(std::move(response)); }
  bool can_send_file() const { return static_cast<bool>(send_file_); }
  explicit operator bool() const { return static_cast<bool>(send_); }
  // How to learn that this request's client went away before its answer; empty where the server
  // cannot tell.
  const DisconnectWatch& disconnect_watch() const { return watch_disconnect_; }

 private:
  std::function<void(Response)> send_;
  std::function<void(FileResponse)> send_file_;
  DisconnectWatch watch_disconnect_;
};

// Receives a request body as it arrives instead of the server buffering it in a string (large
// S3 uploads). Called on the connection's thread, in order; must not block for long.
class BodySink {
 public:
  virtual ~BodySink() = default;
  // A sink that cannot use the data (bad framing, disk full) records why and ignores the rest;
  // the handler answers with the error once the body is complete.
  virtual void write(const char* data, std::size_t size) = 0;
};

class HttpHandler {
 public:
  virtual ~HttpHandler() = default;
  // The largest body this request may carry, decided from its header (limits are per service).
  virtual std::uint64_t body_limit(const RequestHeader& header) const = 0;
  virtual void handle(Request request, const Peer& peer, Respond respond) = 0;
  // The answer to a request whose declared body exceeds body_limit(), in the service's own
  // format (S3's EntityTooLarge); nullopt for a plain 413.
  virtual std::optional<Response> body_too_large(const RequestHeader& header) { return std::nullopt; }
  // The answer to a request the server cannot take now (its buffered-body budget is spent), in
  // the service's own throttling format; nullopt for a plain 503.
  virtual std::optional<Response> overloaded(const RequestHeader& header) { return std::nullopt; }
  // A sink for this request's body, or null to buffer it into Request::body() (the default).
  virtual std::shared_ptr<BodySink> body_sink(const RequestHeader& header) { return nullptr; }
  // Called instead of handle() when body_sink() returned a sink, once the whole body went
  // into it; request.body() is empty. By value, as handle(): overrides take the request, the sink
  // and respond over (Gateway moves them on); this default ignores them.
  // NOLINTBEGIN(performance-unnecessary-value-param): see above
  virtual void handle_streamed(Request request, std::shared_ptr<BodySink> sink, const Peer& peer,
                               Respond respond) {}
  // NOLINTEND(performance-unnecessary-value-param)
};

}  // namespace fanout::net
