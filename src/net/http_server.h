// The HTTP/1.1 front door: Boost.Beast on a thread per core, keep-alive, Expect: 100-continue,
// chunked bodies, optional TLS, bounded everything, graceful shutdown.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "net/http_handler.h"

namespace fanout::net {

struct ServerOptions {
  std::vector<std::string> listen = {"127.0.0.1:4566"};  // host:port, [v6]:port
  unsigned threads = 0;                                  // 0: one per core
  std::size_t max_connections = 10'000;
  std::uint32_t header_limit_bytes = 64 * 1024;
  // Request bodies held in memory at once, over all connections (streamed S3 uploads go to disk
  // and do not count); a request that would exceed it is answered with a throttling error.
  std::uint64_t max_buffered_body_bytes = 512ull << 20;
  std::chrono::milliseconds header_timeout{10'000};  // from connect/keep-alive to a full header
  std::chrono::milliseconds body_timeout{120'000};   // to receive a body once the header is in
  std::chrono::milliseconds idle_timeout{60'000};    // keep-alive wait for the next request
  std::chrono::milliseconds write_timeout{60'000};
  std::string tls_cert_file;  // both set → every listener speaks TLS
  std::string tls_key_file;
};

struct ServerStats {
  std::uint64_t connections_open = 0;
  std::uint64_t connections_total = 0;
  std::uint64_t connections_refused = 0;
  std::uint64_t buffered_body_bytes = 0;
  std::uint64_t bodies_refused = 0;  // over max_buffered_body_bytes
};

class HttpServer {
 public:
  HttpServer(ServerOptions options, HttpHandler& handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds every listener; throws std::runtime_error naming the address on failure.
  void start();
  // Runs the I/O threads until shutdown completes. Installs SIGINT/SIGTERM handling that
  // calls shutdown().
  void run();
  // Stops accepting, closes idle connections, lets in-flight requests finish, and stops the
  // I/O threads once all connections are gone or `grace` has passed. Thread-safe.
  void shutdown(std::chrono::milliseconds grace = std::chrono::milliseconds(4000));
  // Called once on the shutdown path before the I/O threads stop, e.g. to flush the store.
  void on_shutdown(std::function<void()> hook);

  // The ports actually bound (useful with port 0 in tests).
  std::vector<std::uint16_t> bound_ports() const;
  ServerStats stats() const;
  struct Impl;  // public so that the connection sessions (file-local) can name it

 private:
  std::unique_ptr<Impl> impl_;
};

// Parses "host:port" / "[::1]:port". Returns false on malformed input.
bool parse_listen_address(const std::string& text, std::string& host, std::uint16_t& port);
// True for 127.0.0.0/8, ::1 and "localhost".
bool is_loopback_host(const std::string& host);

}  // namespace fanout::net
