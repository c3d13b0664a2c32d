// A small HTTP server on 127.0.0.1 for delivery tests: records every request and answers with a
// settable status, or (set_hang) never answers, keeping the connection open.
#pragma once

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace fanout::services::sns::testing {

class TestHttpServer {
 public:
  struct Request {
    std::string target;
    std::map<std::string, std::string> headers;  // lower-case names
    std::string body;
    std::string header(const std::string& name) const {
      auto it = headers.find(name);
      return it == headers.end() ? std::string() : it->second;
    }
  };

  explicit TestHttpServer(unsigned short port = 0)
      : acceptor_(io_, {boost::asio::ip::make_address("127.0.0.1"), port}) {
    accept();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~TestHttpServer() { stop(); }

  void stop() {
    if (stopped_) return;
    stopped_ = true;
    boost::asio::post(io_, [this] {
      boost::system::error_code ignored;
      acceptor_.close(ignored);
    });
    io_.stop();
    if (thread_.joinable()) thread_.join();
  }

  std::string url(const std::string& path = "/hook") const {
    return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) + path;
  }
  unsigned short port() const { return acceptor_.local_endpoint().port(); }
  void set_status(int status) { status_ = status; }
  void set_hang(bool hang) { hang_ = hang; }

  std::vector<Request> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  // Waits until at least n requests arrived; false on timeout.
  bool wait_for(std::size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(10)) const {
    std::unique_lock lock(mutex_);
    return arrived_.wait_for(lock, timeout, [&] { return requests_.size() >= n; });
  }

 private:
  struct Session : std::enable_shared_from_this<Session> {
    explicit Session(boost::asio::ip::tcp::socket socket, TestHttpServer& server)
        : stream(std::move(socket)), server(server) {}
    boost::beast::tcp_stream stream;
    TestHttpServer& server;
    boost::beast::flat_buffer buffer;
    boost::beast::http::request<boost::beast::http::string_body> request;
    boost::beast::http::response<boost::beast::http::string_body> response;

    void start() {
      boost::beast::http::async_read(
          stream, buffer, request, [self = shared_from_this()](auto ec, std::size_t) {
            if (ec) return;
            Request recorded;
            recorded.target = std::string(self->request.target());
            for (const auto& field : self->request) {
              std::string name(field.name_string());
              for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
              recorded.headers[name] = std::string(field.value());
            }
            recorded.body = self->request.body();
            // The answer is chosen before the request counts as arrived: a test that changes the
            // status after wait_for(n) changes only the answers to later requests.
            const bool hang = self->server.hang_.load();
            const int status = self->server.status_.load();
            {
              std::lock_guard lock(self->server.mutex_);
              self->server.requests_.push_back(std::move(recorded));
            }
            self->server.arrived_.notify_all();
            if (hang) {
              self->server.hung_.push_back(self);  // kept open, unanswered, until the server stops
              return;
            }
            self->response.result(status);
            self->response.version(11);
            self->response.body() = "ok";
            self->response.keep_alive(false);
            self->response.prepare_payload();
            boost::beast::http::async_write(self->stream, self->response, [self](auto, std::size_t) {
              boost::system::error_code ignored;
              self->stream.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
            });
          });
    }
  };

  void accept() {
    acceptor_.async_accept([this](boost::system::error_code ec, boost::asio::ip::tcp::socket socket) {
      if (ec) return;
      std::make_shared<Session>(std::move(socket), *this)->start();
      accept();
    });
  }

  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::thread thread_;
  std::atomic<int> status_{200};
  std::atomic<bool> hang_{false};
  std::vector<std::shared_ptr<Session>> hung_;  // on the server's thread only
  bool stopped_ = false;
  mutable std::mutex mutex_;
  mutable std::condition_variable arrived_;
  std::vector<Request> requests_;
};

}  // namespace fanout::services::sns::testing
