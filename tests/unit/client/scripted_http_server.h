// A loopback HTTP/1.1 server for client tests: answers each request with the next scripted
// response (or drops the connection, or stalls), keeps connections alive, and records what it got.
#pragma once

#include <atomic>
#include <chrono>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace fanout::client::testing {

struct ScriptedResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  bool drop_connection = false;        // close without answering (a network error)
  std::chrono::milliseconds stall{0};  // wait this long before answering
  std::string raw{};                   // sent verbatim instead of status, headers and body
  bool close_after = false;            // close the connection once the answer is sent
};

struct RecordedRequest {
  std::string method;
  std::string target;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  int connection = 0;  // which accepted connection carried it (1-based)

  std::string header(const std::string& lower_name) const;
};

class ScriptedHttpServer {
 public:
  ScriptedHttpServer();
  ~ScriptedHttpServer();
  ScriptedHttpServer(const ScriptedHttpServer&) = delete;
  ScriptedHttpServer& operator=(const ScriptedHttpServer&) = delete;

  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // Appended to the script; when the script runs out every request gets `fallback`.
  void push(ScriptedResponse response);
  void set_fallback(ScriptedResponse response);
  std::vector<RecordedRequest> requests() const;
  int connections() const { return connections_.load(); }

 private:
  void accept_loop();
  void serve(int fd, int connection);
  ScriptedResponse next_response();

  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> connections_{0};
  mutable std::mutex mutex_;
  std::deque<ScriptedResponse> script_;
  ScriptedResponse fallback_;
  std::vector<RecordedRequest> requests_;
  std::vector<int> client_fds_;
  std::vector<std::thread> threads_;
  std::thread acceptor_;
};

}  // namespace fanout::client::testing
