#include "net/http_server.h"

#include <poll.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <limits>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <unordered_map>
#include <utility>
#include <variant>

namespace fanout::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
// Sockets name their io_context's executor type: Beast's composed operations then call it
// directly instead of through any_io_executor's type erasure on every step.
using Socket = tcp::socket::rebind_executor<asio::io_context::executor_type>::other;
using TlsStream = beast::ssl_stream<Socket>;

bool parse_listen_address(const std::string& text, std::string& host, std::uint16_t& port) {
  std::string port_text;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':') return false;
    host = text.substr(1, close - 1);
    port_text = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string::npos) return false;
    host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
  }
  if (host.empty() || port_text.empty() || port_text.size() > 5) return false;
  unsigned long value = 0;
  for (char c : port_text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<unsigned long>(c - '0');
  }
  if (value > 65535) return false;
  port = static_cast<std::uint16_t>(value);
  return true;
}

bool is_loopback_host(const std::string& host) {
  if (host == "localhost") return true;
  boost::system::error_code ec;
  auto address = asio::ip::make_address(host, ec);
  return !ec && address.is_loopback();
}

// A connection's deadline is a number, not a timer: setting it per read and write costs one
// atomic store, where a timer per operation cost a timer-queue update (and often a
// timerfd_settime) each time. The server's sweep closes connections whose deadline has passed,
// a fraction of the shortest timeout late at most.
class SessionBase {
 public:
  virtual ~SessionBase() = default;
  virtual void stop() = 0;  // close at once if idle, else after the current response
  // Called by the sweep from another thread: closes the connection, on its own thread, if the
  // deadline has still passed by then.
  virtual void expire() = 0;

  static std::int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
  bool overdue(std::int64_t now) const { return deadline_ns_.load(std::memory_order_relaxed) <= now; }

 protected:
  void set_deadline(std::chrono::milliseconds after) {
    deadline_ns_.store(now_ns() + std::chrono::duration_cast<std::chrono::nanoseconds>(after).count(),
                       std::memory_order_relaxed);
  }
  // While the handler works on a request nothing is read or written, and nothing times out.
  void clear_deadline() { deadline_ns_.store(kNoDeadline, std::memory_order_relaxed); }

 private:
  static constexpr std::int64_t kNoDeadline = std::numeric_limits<std::int64_t>::max();
  std::atomic<std::int64_t> deadline_ns_{kNoDeadline};
};

struct HttpServer::Impl {
  Impl(ServerOptions opts, HttpHandler& h)
      : options(std::move(opts)),
        handler(h),
        threads(options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency())),
        contexts(make_contexts(threads)),
        ssl_ctx(ssl::context::tls_server),
        signals(control(), SIGINT, SIGTERM),
        shutdown_timer(control()),
        sweep_timer(control()),
        sweep_interval(sweep_interval_for(options)) {
    for (auto& context : contexts) keep_running.emplace_back(context->get_executor());
  }

  // One io_context per I/O thread, each run by that thread alone: a connection lives on one
  // context for its whole life, so its handlers never run concurrently and need no strand, and
  // a handler posted from its own thread takes Asio's lock-free private queue (concurrency hint
  // 1). A single context shared by all threads cost several futex wake-ups per request.
  static std::vector<std::unique_ptr<asio::io_context>> make_contexts(unsigned count) {
    std::vector<std::unique_ptr<asio::io_context>> made;
    for (unsigned i = 0; i < count; ++i) made.push_back(std::make_unique<asio::io_context>(1));
    return made;
  }
  // An eighth of the shortest timeout, within [10 ms, 250 ms]: how late a deadline may be noticed.
  static std::chrono::milliseconds sweep_interval_for(const ServerOptions& o) {
    const auto shortest = std::min({o.header_timeout, o.body_timeout, o.idle_timeout, o.write_timeout});
    return std::clamp(shortest / 8, std::chrono::milliseconds(10), std::chrono::milliseconds(250));
  }
  // Listeners, signals and the timers live on the first context.
  asio::io_context& control() { return *contexts.front(); }
  // New connections go to the contexts in turn.
  asio::io_context& next_context() { return *contexts[next_context_index++ % contexts.size()]; }

  ServerOptions options;
  HttpHandler& handler;
  unsigned threads;
  std::vector<std::unique_ptr<asio::io_context>> contexts;
  // Contexts with no connection yet must not return from run().
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> keep_running;
  std::atomic<unsigned> next_context_index{0};
  bool tls = false;
  ssl::context ssl_ctx;
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
  asio::signal_set signals;
  asio::steady_timer shutdown_timer;
  asio::steady_timer sweep_timer;
  std::chrono::milliseconds sweep_interval;
  std::function<void()> shutdown_hook;
  std::atomic<bool> stopping{false};
  std::atomic<std::uint64_t> open{0}, total{0}, refused{0};
  std::atomic<std::uint64_t> buffered_bytes{0}, bodies_refused{0};

  bool reserve_body(std::uint64_t bytes) {
    if (buffered_bytes.fetch_add(bytes) + bytes > options.max_buffered_body_bytes) {
      buffered_bytes -= bytes;
      ++bodies_refused;
      return false;
    }
    return true;
  }

  std::mutex sessions_mutex;
  std::unordered_map<SessionBase*, std::weak_ptr<SessionBase>> sessions;

  void accept(tcp::acceptor& acceptor);
  void sweep();
  void session_closed(SessionBase* session);
  void finish_shutdown();
};

namespace {

// The body type of a streamed request: every buffer goes to the handler's sink as it arrives.
struct SinkBody {
  using value_type = std::shared_ptr<BodySink>;

  class reader {
   public:
    template <bool isRequest, class Fields>
    reader(http::header<isRequest, Fields>&, value_type& body) : sink_(body) {}
    void init(const boost::optional<std::uint64_t>&, beast::error_code& ec) { ec = {}; }
    template <class ConstBufferSequence>
    std::size_t put(const ConstBufferSequence& buffers, beast::error_code& ec) {
      std::size_t n = 0;
      for (auto buffer : beast::buffers_range_ref(buffers)) {
        sink_->write(static_cast<const char*>(buffer.data()), buffer.size());
        n += buffer.size();
      }
      ec = {};
      return n;
    }
    void finish(beast::error_code& ec) { ec = {}; }

   private:
    value_type& sink_;
  };
};

// One connection. Stream is Socket or TlsStream.
template <class Stream>
class Session final : public SessionBase, public std::enable_shared_from_this<Session<Stream>> {
 public:
  template <class... Args>
  Session(HttpServer::Impl& server, asio::io_context& context, Peer peer, Args&&... args)
      : server_(server), context_(context), stream_(std::forward<Args>(args)...), peer_(std::move(peer)) {
    // Beast sizes each socket read by the buffer's free capacity (at least 512 bytes), and a
    // buffer grows only when a message does not fit. A SigV4 request's header alone is about
    // 500-1,500 bytes, so at 512 every request took two or three reads (and a 177-byte tail);
    // 4 KiB takes a typical request in one.
    buffer_.reserve(kReadBytes);
  }

  ~Session() override {
    release_body();
    server_.session_closed(this);
  }

  void start() {
    if constexpr (std::is_same_v<Stream, Socket>) {
      read_header();
    } else {
      set_deadline(server_.options.header_timeout);
      stream_.async_handshake(ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (ec) return self->close();
                                self->read_header();
                              });
    }
  }

  void stop() override {
    asio::post(context_, [self = this->shared_from_this()] {
      self->stop_requested_ = true;
      if (!self->busy_) self->close();
    });
  }

  void expire() override {
    asio::post(context_, [self = this->shared_from_this()] {
      if (self->overdue(now_ns())) self->close();
    });
  }

 private:
  void read_header() {
    if (stop_requested_) return close();
    parser_.emplace();
    parser_->header_limit(server_.options.header_limit_bytes);
    // Unlimited while the header is read (Beast would reject a Content-Length above the limit
    // before we know the service); the per-service limit is set in on_header.
    parser_->body_limit(boost::none);
    set_deadline(first_ ? server_.options.header_timeout : server_.options.idle_timeout);
    first_ = false;
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](beast::error_code ec, std::size_t) { self->on_header(ec); });
  }

  void on_header(beast::error_code ec) {
    if (ec) return fail_read(ec);
    busy_ = true;
    const auto& header = parser_->get();
    std::uint64_t limit = server_.handler.body_limit(header);
    if (auto length = parser_->content_length(); length && *length > limit) {
      if (auto answer = server_.handler.body_too_large(header)) {
        busy_ = true;
        answer->set(http::field::connection, "close");
        answer->keep_alive(false);
        return write(std::move(*answer), /*close_after=*/true);
      }
      return reject(http::status::payload_too_large, "Request body is larger than this service accepts.");
    }
    parser_->body_limit(limit);
    // Receiving the rest of the request has its own deadline, so a slow body cannot hold
    // the connection forever.
    set_deadline(server_.options.body_timeout);
    const bool expect_continue = beast::iequals(header[http::field::expect], "100-continue");
    const unsigned version = header.version();
    if (auto sink = server_.handler.body_sink(header)) {
      // From here on the body goes to the sink, not into a string.
      sink_parser_.emplace(std::move(*parser_), std::move(sink));
      sink_parser_->body_limit(limit);
      parser_.reset();
      // Beast sizes each socket read by the buffer's free capacity; the few hundred bytes left
      // from the header would make a 64 MiB upload tens of thousands of tiny reads.
      buffer_.reserve(kStreamReadBytes);
    } else {
      // The body will sit in memory until the response is sent: take it from the global budget
      // (a chunked body of unknown size counts at its limit).
      std::uint64_t need = parser_->content_length().value_or(parser_->chunked() ? limit : 0);
      if (need && !server_.reserve_body(need)) {
        if (auto answer = server_.handler.overloaded(parser_->get())) {
          answer->set(http::field::connection, "close");
          answer->keep_alive(false);
          return write(std::move(*answer), /*close_after=*/true);
        }
        return reject(http::status::service_unavailable, "Too many request bodies in memory; retry later.");
      }
      reserved_body_ = need;
    }
    if (expect_continue) {
      auto cont = std::make_shared<http::response<http::empty_body>>(http::status::continue_, version);
      http::async_write(stream_, *cont,
                        [self = this->shared_from_this(), cont](beast::error_code ec, std::size_t) {
                          if (ec) return self->close();
                          self->read_body();
                        });
      return;
    }
    read_body();
  }

  void read_body() {
    if (sink_parser_) {
      http::async_read(stream_, buffer_, *sink_parser_,
                       [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                         if (ec) return self->fail_read(ec);
                         self->clear_deadline();
                         self->dispatch_streamed();
                       });
      return;
    }
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                       if (ec) return self->fail_read(ec);
                       self->clear_deadline();
                       self->dispatch();
                     });
  }

  // The handler may answer on any thread. An answer given synchronously inside this
  // connection's own handler call (the common case) is kept and written as soon as the handler
  // returns: no trip through the io_context's queue, and the client still cannot see the answer
  // before the handler has finished (e.g. removed an S3 temp file). Any other answer is posted to
  // this connection's context, whose single thread is the only one that touches the session.
  template <class Message>
  void answer(Message response) {
    // The thread check first: in_handler_ belongs to this connection's thread, and an engine
    // thread may answer while the handler is still running.
    if (context_.get_executor().running_in_this_thread() && in_handler_) {
      held_answer_ = std::move(response);
      return;
    }
    asio::post(context_, [self = this->shared_from_this(), response = std::move(response)]() mutable {
      self->write(std::move(response), false);
    });
  }

  Respond make_respond() {
    auto self = this->shared_from_this();
    return Respond([self](Response response) { self->answer(std::move(response)); },
                   [self](FileResponse response) { self->answer(std::move(response)); },
                   [self, serial = request_serial_](std::function<void()> on_gone) {
                     asio::post(self->context_, [self, serial, on_gone = std::move(on_gone)]() mutable {
                       self->watch_for_disconnect(serial, std::move(on_gone));
                     });
                   });
  }

  // While request `serial` waits for its answer, nothing reads the socket; a wait for it to turn
  // readable catches the client closing it (end of stream or a reset).
  void watch_for_disconnect(std::uint64_t serial, std::function<void()> on_gone) {
    if (serial != request_serial_ || answered_serial_ == serial || on_gone_) return;
    if (closed_) return on_gone();
    on_gone_ = std::move(on_gone);
    beast::get_lowest_layer(stream_).async_wait(
        Socket::wait_read, [self = this->shared_from_this(), serial](beast::error_code ec) {
          self->readable_while_waiting(ec, serial);
        });
  }

  void readable_while_waiting(beast::error_code ec, std::uint64_t serial) {
    // Cancelled: the answer came first (write() dropped on_gone_).
    if (ec == asio::error::operation_aborted || serial != request_serial_ || !on_gone_) return;
    beast::error_code ignored;
    if (!ec && beast::get_lowest_layer(stream_).available(ignored) > 0 && !peer_shut_down()) {
      // Bytes wait to be read (a pipelined request; a TLS client's records) and the client has
      // not closed its side. The socket stays readable until the next request's read, so a
      // later close is looked for on a timer instead.
      return poll_for_hang_up(serial);
    }
    std::exchange(on_gone_, nullptr)();
  }

  void poll_for_hang_up(std::uint64_t serial) {
    if (!hang_up_timer_) hang_up_timer_.emplace(context_);
    hang_up_timer_->expires_after(kHangUpPollInterval);
    hang_up_timer_->async_wait([self = this->shared_from_this(), serial](beast::error_code ec) {
      if (ec || serial != self->request_serial_ || !self->on_gone_) return;
      if (self->peer_shut_down()) return std::exchange(self->on_gone_, nullptr)();
      self->poll_for_hang_up(serial);
    });
  }

  // Whether the client has closed (its FIN, a reset), seen even behind unread bytes: a TLS
  // client's close sends its close_notify alert, then the FIN.
  bool peer_shut_down() {
    pollfd watched{beast::get_lowest_layer(stream_).native_handle(), POLLRDHUP, 0};
    return ::poll(&watched, 1, 0) == 1 && (watched.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
  }

  // Runs the handler, then writes the answer it gave synchronously, if any. A handler that throws
  // has broken its contract (the gateway answers its own failures); the connection is closed
  // rather than left waiting for an answer that may never come, and the server stays up.
  template <class Call>
  void call_handler(Call call) {
    in_handler_ = true;
    try {
      call();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "fanoutd: request handler threw: %s; closing the connection\n", e.what());
      close();
    } catch (...) {
      std::fprintf(stderr, "fanoutd: request handler threw; closing the connection\n");
      close();
    }
    in_handler_ = false;
    auto held = std::exchange(held_answer_, std::monostate{});
    if (closed_) return;
    if (auto* response = std::get_if<Response>(&held)) return write(std::move(*response), false);
    if (auto* file = std::get_if<FileResponse>(&held)) return write(std::move(*file), false);
  }

  void dispatch_streamed() {
    ++request_serial_;
    auto message = sink_parser_->release();
    sink_parser_.reset();
    auto sink = std::move(message.body());
    Request request(std::move(message.base()));
    keep_alive_ = request.keep_alive();
    call_handler(
        [&] { server_.handler.handle_streamed(std::move(request), std::move(sink), peer_, make_respond()); });
  }

  void fail_read(beast::error_code ec) {
    if (ec == http::error::body_limit) {
      return reject(http::status::payload_too_large, "Request body is larger than this service accepts.");
    }
    if (ec == http::error::header_limit) {
      return reject(http::status::request_header_fields_too_large, "Request header is too large.");
    }
    // A malformed message gets a 400 before the close; timeouts and resets just close.
    if (ec.category() == http::make_error_code(http::error::bad_version).category() &&
        ec != http::error::end_of_stream && ec != http::error::partial_message) {
      return reject(http::status::bad_request, "Malformed HTTP request.");
    }
    close();
  }

  void reject(http::status status, const std::string& why) {
    busy_ = true;
    Response res{status, 11};
    res.set(http::field::content_type, "text/plain");
    res.set(http::field::connection, "close");
    res.body() = why + "\n";
    res.prepare_payload();
    res.keep_alive(false);
    write(std::move(res), /*close_after=*/true);
  }

  void dispatch() {
    ++request_serial_;
    Request request = parser_->release();
    keep_alive_ = request.keep_alive();
    call_handler([&] { server_.handler.handle(std::move(request), peer_, make_respond()); });
  }

  template <class Message>
  void write(Message response, bool close_after) {
    release_body();
    answered_serial_ = request_serial_;
    if (on_gone_) {
      // The client waited it out: stop watching (the only operation on the socket now).
      on_gone_ = nullptr;
      beast::error_code ignored;
      beast::get_lowest_layer(stream_).cancel(ignored);
      if (hang_up_timer_) hang_up_timer_->cancel();
    }
    bool close = close_after || !keep_alive_ || stop_requested_ || server_.stopping;
    response.keep_alive(!close);
    set_deadline(server_.options.write_timeout);
    if constexpr (std::is_same_v<Message, Response>) {
      if (response.has_content_length() && !response.chunked())
        return write_direct(std::move(response), close);
    }
    auto res = std::make_shared<Message>(std::move(response));
    http::async_write(stream_, *res,
                      [self = this->shared_from_this(), res, close](beast::error_code ec, std::size_t) {
                        self->written(ec, close);
                      });
  }

  // A response with its whole body in memory: the header is rendered into one reused buffer and
  // sent with the body in a single gather write, without Beast's generic serializer.
  void write_direct(Response response, bool close) {
    outgoing_ = std::move(response);
    head_.clear();
    render_head(outgoing_, head_);
    const std::array<asio::const_buffer, 2> buffers{asio::buffer(head_), asio::buffer(outgoing_.body())};
    asio::async_write(stream_, buffers,
                      [self = this->shared_from_this(), close](beast::error_code ec, std::size_t) {
                        self->outgoing_ = {};  // a large body is not kept for the life of the connection
                        self->written(ec, close);
                      });
  }

  // The status line and fields exactly as Beast's serializer writes them.
  static void render_head(const Response& response, std::string& out) {
    const unsigned version = response.version();
    out += "HTTP/";
    out += static_cast<char>('0' + version / 10 % 10);
    out += '.';
    out += static_cast<char>('0' + version % 10);
    out += ' ';
    std::array<char, 8> status{};
    const auto end = std::to_chars(status.data(), status.data() + status.size(), response.result_int()).ptr;
    out.append(status.data(), end);
    out += ' ';
    out += response.reason();
    out += "\r\n";
    for (const auto& field : response) {
      out += field.name_string();
      out += ": ";
      out += field.value();
      out += "\r\n";
    }
    out += "\r\n";
  }

  void written(beast::error_code ec, bool close_after) {
    busy_ = false;
    if (ec || close_after) return close();
    read_header();
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    // The answer a request still waits for can no longer be delivered.
    if (auto on_gone = std::exchange(on_gone_, nullptr)) on_gone();
    if (hang_up_timer_) hang_up_timer_->cancel();
    clear_deadline();
    beast::error_code ec;
    if constexpr (std::is_same_v<Stream, Socket>) {
      stream_.shutdown(tcp::socket::shutdown_send, ec);
    }
    beast::get_lowest_layer(stream_).close();
  }

  void release_body() {
    server_.buffered_bytes -= reserved_body_;
    reserved_body_ = 0;
  }

  static constexpr std::size_t kReadBytes = 4096;
  static constexpr std::size_t kStreamReadBytes = std::size_t{256} * 1024;
  static constexpr std::chrono::milliseconds kHangUpPollInterval{200};

  HttpServer::Impl& server_;
  asio::io_context& context_;  // run by one thread: this session's
  Stream stream_;
  Peer peer_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::request_parser<SinkBody>> sink_parser_;
  bool first_ = true;
  bool busy_ = false;
  bool keep_alive_ = true;
  bool stop_requested_ = false;
  bool closed_ = false;
  bool in_handler_ = false;                                           // inside handle()/handle_streamed()
  std::variant<std::monostate, Response, FileResponse> held_answer_;  // given inside it
  Response outgoing_;                                                 // being written by write_direct
  std::string head_;                                                  // its rendered header
  std::uint64_t reserved_body_ = 0;                                   // of the server's buffered-body budget
  std::uint64_t request_serial_ = 0;                                  // of the request dispatched last
  std::uint64_t answered_serial_ = 0;  // of the request whose answer was written last
  std::function<void()> on_gone_;      // set while watching for a disconnect (watch_for_disconnect)
  std::optional<asio::steady_timer> hang_up_timer_;  // made on first use (poll_for_hang_up)
};

}  // namespace

void HttpServer::Impl::accept(tcp::acceptor& acceptor) {
  // The new socket is made on the context that will own the connection.
  auto& context = next_context();
  acceptor.async_accept(context, [this, &acceptor, &context](beast::error_code ec, Socket socket) {
    if (stopping) return;
    if (!ec) {
      beast::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      if (open.load() >= options.max_connections) {
        // Over the cap: refuse at once rather than let every connection slow down.
        ++refused;
        socket.close(ignored);
      } else {
        ++open;
        ++total;
        auto endpoint = socket.remote_endpoint(ignored);
        Peer peer{endpoint.address().to_string(), tls};
        auto open_session = [this, &context](auto s) {
          {
            std::lock_guard lock(sessions_mutex);
            sessions[s.get()] = s;
          }
          // The session's own thread starts it, as it will run everything else for it.
          asio::post(context, [s = std::move(s)] { s->start(); });
        };
        if (tls) {
          open_session(std::make_shared<Session<TlsStream>>(*this, context, std::move(peer),
                                                            std::move(socket), ssl_ctx));
        } else {
          open_session(std::make_shared<Session<Socket>>(*this, context, std::move(peer), std::move(socket)));
        }
      }
    }
    accept(acceptor);
  });
}

void HttpServer::Impl::sweep() {
  sweep_timer.expires_after(sweep_interval);
  sweep_timer.async_wait([this](beast::error_code ec) {
    if (ec) return;
    const std::int64_t now = SessionBase::now_ns();
    std::vector<std::shared_ptr<SessionBase>> overdue;
    {
      // A session in the map is alive: its destructor removes it under this lock.
      std::lock_guard lock(sessions_mutex);
      for (auto& [raw, weak] : sessions) {
        if (!raw->overdue(now)) continue;
        if (auto session = weak.lock()) overdue.push_back(std::move(session));
      }
    }
    for (auto& session : overdue) session->expire();
    sweep();
  });
}

void HttpServer::Impl::session_closed(SessionBase* session) {
  --open;
  bool last = false;
  {
    std::lock_guard lock(sessions_mutex);
    sessions.erase(session);
    last = sessions.empty();
  }
  if (last && stopping) asio::post(control(), [this] { finish_shutdown(); });
}

void HttpServer::Impl::finish_shutdown() {
  static std::once_flag once;
  std::call_once(once, [this] {
    shutdown_timer.cancel();
    sweep_timer.cancel();
    if (shutdown_hook) shutdown_hook();
    for (auto& guard : keep_running) guard.reset();
    for (auto& context : contexts) context->stop();
  });
}

HttpServer::HttpServer(ServerOptions options, HttpHandler& handler)
    : impl_(std::make_unique<Impl>(std::move(options), handler)) {}

HttpServer::~HttpServer() = default;

void HttpServer::start() {
  auto& im = *impl_;
  if (!im.options.tls_cert_file.empty() || !im.options.tls_key_file.empty()) {
    if (im.options.tls_cert_file.empty() || im.options.tls_key_file.empty()) {
      throw std::runtime_error("TLS needs both --tls-cert and --tls-key");
    }
    im.ssl_ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                           ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    im.ssl_ctx.use_certificate_chain_file(im.options.tls_cert_file);
    im.ssl_ctx.use_private_key_file(im.options.tls_key_file, ssl::context::pem);
    im.tls = true;
  }
  for (const auto& text : im.options.listen) {
    std::string host;
    std::uint16_t port = 0;
    if (!parse_listen_address(text, host, port)) throw std::runtime_error("bad listen address: " + text);
    if (host == "localhost") host = "127.0.0.1";
    beast::error_code ec;
    auto address = asio::ip::make_address(host, ec);
    if (ec) throw std::runtime_error("bad listen address: " + text);
    auto acceptor = std::make_unique<tcp::acceptor>(im.control());
    tcp::endpoint endpoint(address, port);
    acceptor->open(endpoint.protocol(), ec);
    if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor->bind(endpoint, ec);
    if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) throw std::runtime_error("cannot listen on " + text + ": " + ec.message());
    im.acceptors.push_back(std::move(acceptor));
  }
  for (auto& acceptor : im.acceptors) im.accept(*acceptor);
  im.sweep();
  im.signals.async_wait([this](beast::error_code ec, int) {
    if (!ec) shutdown();
  });
}

void HttpServer::run() {
  auto& im = *impl_;
  std::vector<std::thread> workers;
  for (unsigned i = 1; i < im.threads; ++i) workers.emplace_back([&im, i] { im.contexts[i]->run(); });
  im.control().run();
  for (auto& t : workers) t.join();
}

void HttpServer::shutdown(std::chrono::milliseconds grace) {
  auto& im = *impl_;
  if (im.stopping.exchange(true)) return;
  asio::post(im.control(), [&im, grace] {
    beast::error_code ec;
    im.signals.cancel(ec);
    for (auto& acceptor : im.acceptors) acceptor->close(ec);
    std::vector<std::shared_ptr<SessionBase>> live;
    {
      std::lock_guard lock(im.sessions_mutex);
      for (auto& [raw, weak] : im.sessions) {
        if (auto s = weak.lock()) live.push_back(std::move(s));
      }
    }
    for (auto& s : live) s->stop();
    if (live.empty()) return im.finish_shutdown();
    im.shutdown_timer.expires_after(grace);
    im.shutdown_timer.async_wait([&im](beast::error_code ec) {
      if (!ec) im.finish_shutdown();
    });
  });
}

void HttpServer::on_shutdown(std::function<void()> hook) { impl_->shutdown_hook = std::move(hook); }

std::vector<std::uint16_t> HttpServer::bound_ports() const {
  std::vector<std::uint16_t> ports;
  for (const auto& acceptor : impl_->acceptors) {
    beast::error_code ec;
    auto endpoint = acceptor->local_endpoint(ec);
    if (!ec) ports.push_back(endpoint.port());
  }
  return ports;
}

ServerStats HttpServer::stats() const {
  return {impl_->open.load(), impl_->total.load(), impl_->refused.load(), impl_->buffered_bytes.load(),
          impl_->bodies_refused.load()};
}

}  // namespace fanout::net
