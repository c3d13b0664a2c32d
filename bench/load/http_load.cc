#include "load/http_load.h"

#include <array>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <memory>
#include <stdexcept>
#include <thread>
#include <vector>

#include "load/response_parser.h"

namespace fanout::bench {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using boost::system::error_code;

constexpr std::size_t kReadBufferBytes = std::size_t{16} * 1024;
constexpr auto kRetryDelay = std::chrono::milliseconds(10);  // after an error, before reconnecting

std::vector<tcp::endpoint> resolve(const Endpoint& endpoint) {
  asio::io_context io;
  tcp::resolver resolver(io);
  error_code ec;
  auto results = resolver.resolve(endpoint.host, std::to_string(endpoint.port), ec);
  if (ec) throw std::runtime_error("cannot resolve " + endpoint.host + ": " + ec.message());
  std::vector<tcp::endpoint> endpoints;
  for (const auto& entry : results) endpoints.push_back(entry.endpoint());
  if (endpoints.empty()) throw std::runtime_error("no address for " + endpoint.host);
  return endpoints;
}

bool default_expected(int status) { return status >= 200 && status < 300; }

struct WorkerStats {
  std::uint64_t requests = 0;
  std::uint64_t expected = 0;
  std::uint64_t unexpected = 0;
  std::uint64_t errors = 0;
  std::uint64_t reconnects = 0;
  std::array<std::uint64_t, 1000> statuses{};
  LatencyHistogram latency;
  std::string first_error;
};

class Connection;

// One client thread: an io_context and the connections it drives. Everything a worker owns is
// touched only by its thread, so nothing is locked.
struct Worker {
  Worker(const LoadOptions& o, std::size_t i, const std::vector<tcp::endpoint>& e)
      : options(o), index(i), endpoints(e) {}

  bool in_window(Clock::time_point t) const { return t >= window_start && t < window_end; }
  bool expected(int status) const {
    return options.expected ? options.expected(status) : default_expected(status);
  }
  void stop();

  asio::io_context io{1};
  const LoadOptions& options;
  std::size_t index;
  const std::vector<tcp::endpoint>& endpoints;
  Clock::time_point window_start;
  Clock::time_point window_end;
  bool stopping = false;
  // Pacing (options.rate > 0): when this worker's next request is due, and its interval.
  Clock::time_point next_slot;
  std::chrono::nanoseconds interval{0};
  // options.max_requests > 0: requests this worker may still send, and connections done.
  std::uint64_t remaining = 0;
  std::size_t idle = 0;
  WorkerStats stats;
  std::vector<std::unique_ptr<Connection>> connections;
  asio::steady_timer stop_timer{io};
  asio::steady_timer window_timer{io};
};

class Connection {
 public:
  Connection(Worker& worker, std::size_t index)
      : worker_(worker), socket_(worker.io), retry_(worker.io), pace_(worker.io) {
    context_.connection = index;
    context_.thread = worker.index;
  }

  void start() { connect(); }

  void stop() {
    error_code ignored;
    socket_.close(ignored);
    retry_.cancel();
    pace_.cancel();
  }

 private:
  void connect() {
    error_code ignored;
    socket_.close(ignored);
    asio::async_connect(socket_, worker_.endpoints, [this](const error_code& ec, const tcp::endpoint&) {
      if (worker_.stopping) return;
      if (ec) return fail("connect: " + ec.message());
      error_code ignored_option;
      socket_.set_option(tcp::no_delay(true), ignored_option);
      send();
    });
  }

  void send() {
    if (worker_.options.max_requests > 0) {
      if (worker_.remaining == 0) {
        if (++worker_.idle == worker_.connections.size()) worker_.stop();
        return;
      }
      --worker_.remaining;
    }
    if (worker_.interval.count() > 0) {
      const auto slot = worker_.next_slot;
      worker_.next_slot += worker_.interval;
      if (slot > Clock::now()) {
        pace_.expires_at(slot);
        pace_.async_wait([this](const error_code& ec) {
          if (ec || worker_.stopping) return;
          send_now();
        });
        return;
      }
    }
    send_now();
  }

  void send_now() {
    worker_.options.generator(context_, request_);
    ++context_.iteration;
    parser_.reset(static_cast<bool>(worker_.options.observer), worker_.options.head_requests);
    sent_at_ = Clock::now();
    asio::async_write(socket_, asio::buffer(request_), [this](const error_code& ec, std::size_t) {
      if (worker_.stopping) return;
      if (ec) return fail("write: " + ec.message());
      read();
    });
  }

  void read() {
    socket_.async_read_some(asio::buffer(buffer_), [this](const error_code& ec, std::size_t n) {
      if (worker_.stopping) return;
      if (ec == asio::error::eof) {
        if (parser_.on_eof() == ResponseParser::State::complete) return complete(false);
        return fail("read: " + parser_.error());
      }
      if (ec) return fail("read: " + ec.message());
      const std::size_t used = parser_.feed(buffer_.data(), n);
      switch (parser_.state()) {
        case ResponseParser::State::need_more:
          return read();
        case ResponseParser::State::error:
          return fail("response: " + parser_.error());
        case ResponseParser::State::complete:
          if (used != n) return fail("response: bytes after the end of the response");
          return complete(parser_.keep_alive());
      }
    });
  }

  void complete(bool keep_alive) {
    const auto now = Clock::now();
    const int status = parser_.status();
    if (worker_.in_window(now)) {
      auto& stats = worker_.stats;
      ++stats.requests;
      if (worker_.expected(status)) {
        ++stats.expected;
      } else {
        ++stats.unexpected;
      }
      ++stats.statuses[static_cast<std::size_t>(status)];
      stats.latency.record(static_cast<std::uint64_t>(std::chrono::nanoseconds(now - sent_at_).count()));
    }
    if (worker_.options.observer) {
      RequestContext answered = context_;
      --answered.iteration;
      worker_.options.observer(answered, status, parser_.body());
    }
    if (keep_alive) return send();
    ++worker_.stats.reconnects;
    connect();
  }

  void fail(std::string what) {
    auto& stats = worker_.stats;
    if (worker_.in_window(Clock::now())) ++stats.errors;
    if (stats.first_error.empty()) stats.first_error = std::move(what);
    ++stats.reconnects;
    error_code ignored;
    socket_.close(ignored);
    retry_.expires_after(kRetryDelay);
    retry_.async_wait([this](const error_code& ec) {
      if (ec || worker_.stopping) return;
      connect();
    });
  }

  Worker& worker_;
  tcp::socket socket_;
  asio::steady_timer retry_;
  asio::steady_timer pace_;
  RequestContext context_;
  std::string request_;
  std::array<char, kReadBufferBytes> buffer_;
  ResponseParser parser_;
  Clock::time_point sent_at_;
};

void Worker::stop() {
  if (stopping) return;
  stopping = true;
  for (auto& connection : connections) connection->stop();
  // Ends io.run() early when the request cap, not the clock, ended the load.
  stop_timer.cancel();
  window_timer.cancel();
}

}  // namespace

LoadResult run_load(const LoadOptions& options) {
  if (options.connections == 0) throw std::invalid_argument("connections must be at least 1");
  if (options.threads == 0) throw std::invalid_argument("threads must be at least 1");
  if (!options.generator) throw std::invalid_argument("no request generator");
  if (options.duration <= std::chrono::nanoseconds::zero())
    throw std::invalid_argument("duration must be > 0");
  const auto endpoints = resolve(options.endpoint);
  const std::size_t thread_count = std::min(options.threads, options.connections);

  std::vector<std::unique_ptr<Worker>> workers;
  for (std::size_t t = 0; t < thread_count; ++t)
    workers.push_back(std::make_unique<Worker>(options, t, endpoints));
  for (std::size_t c = 0; c < options.connections; ++c) {
    auto& worker = *workers[c % thread_count];
    worker.connections.push_back(std::make_unique<Connection>(worker, c));
  }

  const auto start = Clock::now();
  for (auto& worker : workers) {
    worker->window_start = start + options.warmup;
    worker->window_end = worker->window_start + options.duration;
    worker->stop_timer.expires_at(worker->window_end);
    const bool first = worker == workers.front();
    worker->stop_timer.async_wait([w = worker.get(), first, &options](const error_code& ec) {
      if (ec) return;  // cancelled: the worker stopped on its own
      if (first && options.at_window_end) options.at_window_end();
      w->stop();
    });
    if (first && options.at_window_start) {
      worker->window_timer.expires_at(worker->window_start);
      worker->window_timer.async_wait([&options](const error_code& ec) {
        if (!ec) options.at_window_start();
      });
    }
    if (options.rate > 0) {
      worker->interval = std::chrono::nanoseconds(
          static_cast<std::int64_t>(1e9 * static_cast<double>(thread_count) / options.rate));
      worker->next_slot = start;
    }
    if (options.max_requests > 0) {
      worker->remaining =
          options.max_requests / thread_count + (worker->index < options.max_requests % thread_count ? 1 : 0);
    }
    for (auto& connection : worker->connections) connection->start();
  }
  std::vector<std::thread> threads;
  for (std::size_t t = 1; t < thread_count; ++t)
    threads.emplace_back([w = workers[t].get()] { w->io.run(); });
  workers[0]->io.run();  // the calling thread is client thread 0
  for (auto& thread : threads) thread.join();

  LoadResult result;
  result.seconds = std::chrono::duration<double>(options.duration).count();
  for (const auto& worker : workers) {
    const auto& s = worker->stats;
    result.requests += s.requests;
    result.expected += s.expected;
    result.unexpected += s.unexpected;
    result.errors += s.errors;
    result.reconnects += s.reconnects;
    result.latency.merge(s.latency);
    for (std::size_t status = 0; status < s.statuses.size(); ++status) {
      if (s.statuses[status] != 0) result.statuses[static_cast<int>(status)] += s.statuses[status];
    }
    if (result.first_error.empty()) result.first_error = s.first_error;
  }
  return result;
}

ProbeResult probe(const Endpoint& endpoint, const std::string& request, std::chrono::milliseconds timeout) {
  ProbeResult result;
  std::vector<tcp::endpoint> endpoints;
  try {
    endpoints = resolve(endpoint);
  } catch (const std::exception& e) {
    result.error = e.what();
    return result;
  }
  asio::io_context io;
  tcp::socket socket(io);
  ResponseParser parser;
  parser.reset(true);
  std::array<char, kReadBufferBytes> buffer;
  std::function<void()> read = [&] {
    socket.async_read_some(asio::buffer(buffer), [&](const error_code& ec, std::size_t n) {
      if (ec == asio::error::eof) {
        parser.on_eof();
      } else if (ec) {
        result.error = "read: " + ec.message();
        return;
      } else {
        parser.feed(buffer.data(), n);
      }
      if (parser.state() == ResponseParser::State::need_more && !ec) return read();
    });
  };
  asio::async_connect(socket, endpoints, [&](const error_code& ec, const tcp::endpoint&) {
    if (ec) {
      result.error = "connect: " + ec.message();
      return;
    }
    asio::async_write(socket, asio::buffer(request), [&](const error_code& write_ec, std::size_t) {
      if (write_ec) {
        result.error = "write: " + write_ec.message();
        return;
      }
      read();
    });
  });
  io.run_for(timeout);
  if (parser.state() == ResponseParser::State::complete) {
    result.status = parser.status();
    result.body = std::string(parser.body());
  } else if (result.error.empty()) {
    result.error = parser.state() == ResponseParser::State::error ? parser.error() : "timed out";
  }
  return result;
}

RequestGenerator fixed_request(std::string request) {
  auto bytes = std::make_shared<const std::string>(std::move(request));
  return [bytes](const RequestContext&, std::string& out) { out.assign(*bytes); };
}

}  // namespace fanout::bench
