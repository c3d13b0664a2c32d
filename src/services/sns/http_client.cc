#include "services/sns/http_client.h"

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>
#include <mutex>
#include <optional>
#include <thread>

namespace fanout::services::sns {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {

struct Target {
  bool tls = false;
  std::string host;  // for resolving (IPv6 literals without brackets)
  std::string port;
  std::string host_header;
  std::string path_and_query;
};

std::optional<Target> parse_target(const std::string& url) {
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed) return std::nullopt;
  const auto& u = *parsed;
  Target t;
  auto scheme = u.scheme();
  if (scheme == "https") {
    t.tls = true;
  } else if (scheme != "http") {
    return std::nullopt;
  }
  if (u.host_type() == boost::urls::host_type::ipv6) {
    t.host = u.host_ipv6_address().to_string();
  } else {
    t.host = u.host();
  }
  if (t.host.empty()) return std::nullopt;
  t.port = u.has_port() ? std::string(u.port()) : (t.tls ? "443" : "80");
  t.host_header = std::string(u.encoded_host_and_port());
  t.path_and_query = u.encoded_path().empty() ? "/" : std::string(u.encoded_path());
  if (u.has_query()) t.path_and_query += "?" + std::string(u.encoded_query());
  return t;
}

// One request on one connection. Stream is beast::tcp_stream or an ssl_stream over one.
template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
 public:
  template <class... StreamArgs>
  Session(asio::io_context& io, Target target, HttpClient::Request request,
          std::function<void(HttpClient::Response)> done, StreamArgs&&... stream_args)
      : resolver_(io),
        stream_(std::forward<StreamArgs>(stream_args)...),
        target_(std::move(target)),
        timeout_(request.timeout),
        done_(std::move(done)) {
    req_.method(http::verb::post);
    req_.target(target_.path_and_query);
    req_.version(11);
    req_.set(http::field::host, target_.host_header);
    for (auto& [name, value] : request.headers) req_.set(name, value);
    req_.body() = std::move(request.body);
    req_.prepare_payload();
    parser_.body_limit(1 << 20);
  }

  void start() {
    beast::get_lowest_layer(stream_).expires_after(timeout_);
    resolver_.async_resolve(
        target_.host, target_.port,
        [self = this->shared_from_this()](beast::error_code ec, tcp::resolver::results_type r) {
          self->on_resolve(ec, std::move(r));
        });
  }

 private:
  void on_resolve(beast::error_code ec, tcp::resolver::results_type results) {
    if (ec) return finish(0, "resolve: " + ec.message());
    beast::get_lowest_layer(stream_).async_connect(
        results, [self = this->shared_from_this()](beast::error_code ec, const tcp::endpoint&) {
          self->on_connect(ec);
        });
  }

  void on_connect(beast::error_code ec) {
    if (ec) return finish(0, "connect: " + ec.message());
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      write();
    } else {
      if (!SSL_set_tlsext_host_name(stream_.native_handle(), target_.host.c_str())) {
        return finish(0, "tls: cannot set SNI");
      }
      stream_.set_verify_callback(ssl::host_name_verification(target_.host));
      stream_.async_handshake(ssl::stream_base::client,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (ec) return self->finish(0, "tls: " + ec.message());
                                self->write();
                              });
    }
  }

  void write() {
    http::async_write(stream_, req_, [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->finish(0, "write: " + ec.message());
      http::async_read(self->stream_, self->buffer_, self->parser_,
                       [self](beast::error_code ec, std::size_t) {
                         if (ec && ec != http::error::body_limit)
                           return self->finish(0, "read: " + ec.message());
                         self->finish(static_cast<int>(self->parser_.get().result_int()), {});
                       });
    });
  }

  void finish(int status, std::string error) {
    if (!done_) return;
    auto done = std::move(done_);
    done_ = nullptr;
    beast::error_code ignored;
    beast::get_lowest_layer(stream_).socket().shutdown(tcp::socket::shutdown_both, ignored);
    beast::get_lowest_layer(stream_).close();
    done(HttpClient::Response{status, std::move(error)});
  }

  tcp::resolver resolver_;
  Stream stream_;
  Target target_;
  std::chrono::milliseconds timeout_;
  std::function<void(HttpClient::Response)> done_;
  http::request<http::string_body> req_;
  beast::flat_buffer buffer_;
  http::response_parser<http::string_body> parser_;
};

}  // namespace

struct HttpClient::Impl {
  asio::io_context io{1};
  asio::executor_work_guard<asio::io_context::executor_type> work = asio::make_work_guard(io);
  ssl::context tls{ssl::context::tls_client};
  std::thread thread;
  std::once_flag stopped;
};

HttpClient::HttpClient(bool verify_tls_peer) : impl_(std::make_unique<Impl>()) {
  impl_->tls.set_default_verify_paths();
  impl_->tls.set_verify_mode(verify_tls_peer ? ssl::verify_peer : ssl::verify_none);
  impl_->thread = std::thread([this] { impl_->io.run(); });
}

HttpClient::~HttpClient() { stop(); }

void HttpClient::stop() {
  std::call_once(impl_->stopped, [this] {
    impl_->work.reset();
    impl_->io.stop();
    if (impl_->thread.joinable()) impl_->thread.join();
  });
}

void HttpClient::post(Request request, std::function<void(Response)> done) {
  auto target = parse_target(request.url);
  if (!target) {
    asio::post(impl_->io, [done = std::move(done)] { done(Response{0, "invalid endpoint URL"}); });
    return;
  }
  asio::post(impl_->io, [this, target = std::move(*target), request = std::move(request),
                         done = std::move(done)]() mutable {
    if (target.tls) {
      auto session = std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(
          impl_->io, std::move(target), std::move(request), std::move(done), impl_->io, impl_->tls);
      session->start();
    } else {
      auto session = std::make_shared<Session<beast::tcp_stream>>(
          impl_->io, std::move(target), std::move(request), std::move(done), impl_->io);
      session->start();
    }
  });
}

}  // namespace fanout::services::sns
