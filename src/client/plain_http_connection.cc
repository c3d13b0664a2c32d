#include "client/plain_http_connection.h"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cerrno>
#include <iterator>
#include <limits>
#include <optional>
#include <stdexcept>
#include <system_error>

#include "auth/sigv4.h"
#include "client/aws_error.h"
#include "client/endpoint.h"
#include "client/http_transport.h"
#include "common/ascii_text.h"

namespace fanout::client {

namespace http = boost::beast::http;
using Clock = std::chrono::steady_clock;

class PlainHttpConnection::ReadBuffer : public boost::beast::flat_buffer {};

struct PlainHttpConnection::Attempt {
  Clock::time_point deadline;  // of the whole request
  std::chrono::milliseconds connect_timeout;
  const std::atomic<bool>* abort_flag;
  Failure* failure;
  std::string what;  // "POST http://host:port/target", for messages

  // Blocks until fd is ready for `events`, `until` (the request's deadline unless given) passes
  // or the abort flag is raised. Throws TransportError, with *failure saying which.
  void wait(int fd, short events, std::optional<Clock::time_point> until = std::nullopt,
            std::string_view timeout_message = "timed out") const;
};

namespace {

constexpr std::size_t kReadChunk = std::size_t{64} * 1024;
// How often a wait looks at the abort flag: a long poll ends this soon after shutdown begins.
constexpr std::chrono::milliseconds kAbortCheck{200};

// The server closed or reset a reused connection before answering: it was stale, not the request.
struct StaleConnection {};

// Thread-safe, unlike strerror.
std::string errno_text(int error) { return std::generic_category().message(error); }

// A CR or LF in the request line or a header would end it early and let the rest pass for another
// header or request (request splitting).
bool has_line_break(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) { return c == '\r' || c == '\n'; });
}

// The request line, the headers as signed and the framing header. Content-Length comes from the
// body (a signed one is dropped: it was computed from the same body). A body-less GET or HEAD gets
// none, as curl sends them. HTTP/1.1 requires Host: the endpoint's, if the request has none.
// Throws std::invalid_argument for a line break inside the method, target or a header: a fault of
// the caller, not of the network, so nothing is sent and nothing retries it.
std::string request_head(const Endpoint& endpoint, const auth::HttpRequest& request) {
  std::string head;
  head.reserve(512);
  if (has_line_break(request.method) || has_line_break(request.target)) {
    throw std::invalid_argument("HTTP request line contains a line break");
  }
  head.append(request.method).append(" ").append(request.target).append(" HTTP/1.1\r\n");
  bool has_host = false;
  for (const auto& [name, value] : request.headers) {
    if (has_line_break(name) || has_line_break(value)) {
      throw std::invalid_argument("HTTP header " + name.substr(0, 64) + " contains a line break");
    }
    if (ascii::iequals(name, "content-length")) continue;
    has_host = has_host || ascii::iequals(name, "host");
    head.append(name).append(": ").append(value).append("\r\n");
  }
  if (!has_host) head.append("Host: ").append(endpoint.host_header()).append("\r\n");
  if (!request.body.empty() || (request.method != "GET" && request.method != "HEAD")) {
    head.append("Content-Length: ").append(std::to_string(request.body.size())).append("\r\n");
  }
  head.append("\r\n");
  return head;
}

}  // namespace

void PlainHttpConnection::Attempt::wait(int fd, short events, std::optional<Clock::time_point> until,
                                        std::string_view timeout_message) const {
  const Clock::time_point limit = until.value_or(deadline);
  while (true) {
    if (abort_flag != nullptr && abort_flag->load()) {
      *failure = Failure::aborted;
      throw TransportError(what + ": aborted");
    }
    const auto now = Clock::now();
    if (now >= limit) {
      *failure = Failure::timed_out;
      throw TransportError(what + ": " + std::string(timeout_message));
    }
    auto slice = std::chrono::ceil<std::chrono::milliseconds>(limit - now);
    if (abort_flag != nullptr) slice = std::min(slice, kAbortCheck);
    pollfd pfd{fd, events, 0};
    const int ready = ::poll(&pfd, 1, static_cast<int>(slice.count()));
    if (ready > 0) return;  // readable, writable, or an error the next call reports
    if (ready < 0 && errno != EINTR) throw TransportError(what + ": poll: " + errno_text(errno));
  }
}

PlainHttpConnection::PlainHttpConnection() : inbox_(std::make_unique<ReadBuffer>()) {}

PlainHttpConnection::~PlainHttpConnection() = default;

HttpResponse PlainHttpConnection::exchange(const Endpoint& endpoint, const auth::HttpRequest& request,
                                           const TransportOptions& options,
                                           const std::atomic<bool>* abort_flag, Failure& failure) {
  failure = Failure::none;
  const Attempt attempt{Clock::now() + options.request_timeout, options.connect_timeout, abort_flag, &failure,
                        request.method + " " + endpoint.origin() + request.target};
  const std::string head = request_head(endpoint, request);
  const std::string peer = endpoint.host_header();
  const bool reused = socket_ && peer == peer_;
  try {
    if (!reused) connect(endpoint, attempt);
    try {
      return round_trip(head, request, attempt, reused);
    } catch (const StaleConnection&) {
      connect(endpoint, attempt);
      return round_trip(head, request, attempt, false);
    }
  } catch (...) {
    socket_.reset();
    throw;
  }
}

void PlainHttpConnection::connect(const Endpoint& endpoint, const Attempt& attempt) {
  socket_.reset();
  inbox_->clear();
  const int port = endpoint.port != 0 ? endpoint.port : 80;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  // "<bucket>.localhost" is loopback (RFC 6761), as curl resolves it; glibc does not know that.
  const std::string_view localhost = ".localhost";
  const bool under_localhost =
      endpoint.host.size() > localhost.size() &&
      ascii::iequals(std::string_view(endpoint.host).substr(endpoint.host.size() - localhost.size()),
                     localhost);
  // An IPv6 literal keeps its brackets in the URL and the Host header, not in the resolver.
  const bool bracketed =
      endpoint.host.size() > 2 && endpoint.host.front() == '[' && endpoint.host.back() == ']';
  const std::string name = under_localhost ? "localhost"
                           : bracketed     ? endpoint.host.substr(1, endpoint.host.size() - 2)
                                           : endpoint.host;
  addrinfo* found = nullptr;
  if (const int rc = ::getaddrinfo(name.c_str(), std::to_string(port).c_str(), &hints, &found); rc != 0) {
    throw TransportError(attempt.what + ": could not resolve " + endpoint.host + ": " + ::gai_strerror(rc));
  }
  const std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> addresses(found, &::freeaddrinfo);
  const auto connect_deadline = std::min(attempt.deadline, Clock::now() + attempt.connect_timeout);
  std::string last_error = "no address";
  for (const addrinfo* address = found; address != nullptr; address = address->ai_next) {
    UniqueFd fd(::socket(address->ai_family, address->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                         address->ai_protocol));
    if (!fd) {
      last_error = errno_text(errno);
      continue;
    }
    const int on = 1;
    ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    ::setsockopt(fd.get(), SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
    if (::connect(fd.get(), address->ai_addr, address->ai_addrlen) != 0) {
      if (errno != EINPROGRESS) {
        last_error = errno_text(errno);
        continue;
      }
      // A connect timeout is a timeout of the request, as curl reports it.
      attempt.wait(fd.get(), POLLOUT, connect_deadline, "connect timed out");
      int error = 0;
      socklen_t length = sizeof error;
      ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &error, &length);
      if (error != 0) {
        last_error = errno_text(error);
        continue;
      }
    }
    socket_ = std::move(fd);
    peer_ = endpoint.host_header();
    return;
  }
  throw TransportError(attempt.what + ": could not connect to " + endpoint.host + ":" + std::to_string(port) +
                       ": " + last_error);
}

HttpResponse PlainHttpConnection::round_trip(const std::string& head, const auth::HttpRequest& request,
                                             const Attempt& attempt, bool reused) {
  const int fd = socket_.get();
  std::array<iovec, 2> parts{iovec{const_cast<char*>(head.data()), head.size()},
                             iovec{const_cast<char*>(request.body.data()), request.body.size()}};
  std::size_t first = 0;
  std::size_t sent_total = 0;
  while (first < parts.size()) {
    if (parts[first].iov_len == 0) {
      ++first;
      continue;
    }
    msghdr message{};
    message.msg_iov = &parts[first];
    message.msg_iovlen = parts.size() - first;
    const ssize_t sent = ::sendmsg(fd, &message, MSG_NOSIGNAL);
    if (sent < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        attempt.wait(fd, POLLOUT);
        continue;
      }
      if (errno == EINTR) continue;
      if (reused && sent_total == 0 && (errno == EPIPE || errno == ECONNRESET)) throw StaleConnection{};
      throw TransportError(attempt.what + ": send: " + errno_text(errno));
    }
    sent_total += static_cast<std::size_t>(sent);
    auto left = static_cast<std::size_t>(sent);
    while (left > 0 && first < parts.size()) {
      const std::size_t step = std::min(left, parts[first].iov_len);
      parts[first].iov_base = static_cast<char*>(parts[first].iov_base) + step;
      parts[first].iov_len -= step;
      left -= step;
      if (parts[first].iov_len == 0) ++first;
    }
  }

  // Whatever a previous response left behind is not part of this one.
  inbox_->clear();
  std::optional<http::response_parser<http::string_body>> parser;
  const auto fresh_parser = [&] {
    parser.emplace();
    parser->eager(true);
    parser->header_limit(64 * 1024);
    parser->body_limit(std::numeric_limits<std::uint64_t>::max());
    if (request.method == "HEAD") parser->skip(true);
  };
  fresh_parser();
  bool any_byte = false;
  while (true) {
    if (inbox_->size() > 0) {
      boost::system::error_code ec;
      const std::size_t used = parser->put(inbox_->data(), ec);
      inbox_->consume(used);
      if (ec && ec != http::error::need_more) {
        throw TransportError(attempt.what + ": malformed response: " + ec.message());
      }
      if (parser->is_done()) {
        // An interim 1xx answer (100 Continue) precedes the real one.
        const unsigned status = parser->get().result_int();
        if (status >= 100 && status < 200 && status != 101) {
          fresh_parser();
          continue;
        }
        break;
      }
      if (!ec && used > 0) continue;  // the parser may take more from what is buffered
    }
    // The server has not answered in the microseconds since the request went out: a recv now
    // would only find nothing (EAGAIN) and cost a system call. Wait first, then read.
    if (!any_byte) attempt.wait(fd, POLLIN);
    const auto space = inbox_->prepare(kReadChunk);
    const ssize_t got = ::recv(fd, space.data(), space.size(), 0);
    if (got > 0) {
      inbox_->commit(static_cast<std::size_t>(got));
      any_byte = true;
      continue;
    }
    if (got == 0) {
      if (!any_byte) {
        if (reused) throw StaleConnection{};
        throw TransportError(attempt.what + ": connection closed without a response");
      }
      boost::system::error_code ec;
      if (parser->is_header_done()) parser->put_eof(ec);
      if (ec || !parser->is_header_done()) {
        throw TransportError(attempt.what + ": connection closed before the response ended");
      }
      break;  // a response delimited by the connection's end
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      attempt.wait(fd, POLLIN);
      continue;
    }
    if (errno == EINTR) continue;
    if (reused && !any_byte && errno == ECONNRESET) throw StaleConnection{};
    throw TransportError(attempt.what + ": recv: " + errno_text(errno));
  }

  auto message = parser->release();
  HttpResponse response;
  response.status = static_cast<int>(message.result_int());
  response.headers.reserve(static_cast<std::size_t>(std::distance(message.begin(), message.end())));
  for (const auto& field : message) {
    response.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  response.body = std::move(message.body());
  if (!message.keep_alive() || inbox_->size() > 0) socket_.reset();
  return response;
}

}  // namespace fanout::client
