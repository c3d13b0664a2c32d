#include "scripted_http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace fanout::client::testing {
namespace {

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

bool send_all(int fd, const std::string& data) {
  std::size_t sent = 0;
  while (sent < data.size()) {
    const ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

std::string RecordedRequest::header(const std::string& lower_name) const {
  for (const auto& [name, value] : headers) {
    if (lower(name) == lower_name) return value;
  }
  return {};
}

ScriptedHttpServer::ScriptedHttpServer() {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(listen_fd_, 16) != 0) {
    throw std::runtime_error("scripted server: bind/listen failed");
  }
  socklen_t length = sizeof address;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length);
  port_ = ntohs(address.sin_port);
  acceptor_ = std::thread([this] { accept_loop(); });
}

ScriptedHttpServer::~ScriptedHttpServer() {
  stopping_ = true;
  ::shutdown(listen_fd_, SHUT_RDWR);
  ::close(listen_fd_);
  acceptor_.join();
  {
    std::lock_guard lock(mutex_);
    for (int fd : client_fds_) ::shutdown(fd, SHUT_RDWR);
  }
  for (auto& thread : threads_) thread.join();
}

void ScriptedHttpServer::push(ScriptedResponse response) {
  std::lock_guard lock(mutex_);
  script_.push_back(std::move(response));
}

void ScriptedHttpServer::set_fallback(ScriptedResponse response) {
  std::lock_guard lock(mutex_);
  fallback_ = std::move(response);
}

std::vector<RecordedRequest> ScriptedHttpServer::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

ScriptedResponse ScriptedHttpServer::next_response() {
  std::lock_guard lock(mutex_);
  if (script_.empty()) return fallback_;
  ScriptedResponse response = std::move(script_.front());
  script_.pop_front();
  return response;
}

void ScriptedHttpServer::accept_loop() {
  while (!stopping_) {
    pollfd pfd{listen_fd_, POLLIN, 0};
    if (::poll(&pfd, 1, 100) <= 0) continue;
    const int fd = ::accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) continue;
    const int connection = ++connections_;
    std::lock_guard lock(mutex_);
    client_fds_.push_back(fd);
    threads_.emplace_back([this, fd, connection] { serve(fd, connection); });
  }
}

void ScriptedHttpServer::serve(int fd, int connection) {
  std::string buffer;
  char chunk[8192];
  while (true) {
    std::size_t header_end;
    while ((header_end = buffer.find("\r\n\r\n")) == std::string::npos) {
      const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0) {
        ::close(fd);
        return;
      }
      buffer.append(chunk, static_cast<std::size_t>(n));
    }
    RecordedRequest request;
    request.connection = connection;
    const std::string head = buffer.substr(0, header_end);
    std::size_t line_end = head.find("\r\n");
    const std::string request_line = head.substr(0, line_end);
    const auto first_space = request_line.find(' ');
    const auto last_space = request_line.rfind(' ');
    request.method = request_line.substr(0, first_space);
    request.target = request_line.substr(first_space + 1, last_space - first_space - 1);
    std::size_t content_length = 0;
    std::size_t pos = line_end + 2;
    while (pos < head.size()) {
      std::size_t end = head.find("\r\n", pos);
      if (end == std::string::npos) end = head.size();
      const std::string line = head.substr(pos, end - pos);
      const auto colon = line.find(':');
      std::string value = line.substr(colon + 1);
      value.erase(0, value.find_first_not_of(' '));
      request.headers.emplace_back(line.substr(0, colon), value);
      if (lower(line.substr(0, colon)) == "content-length") content_length = std::stoul(value);
      pos = end + 2;
    }
    buffer.erase(0, header_end + 4);
    while (buffer.size() < content_length) {
      const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0) {
        ::close(fd);
        return;
      }
      buffer.append(chunk, static_cast<std::size_t>(n));
    }
    request.body = buffer.substr(0, content_length);
    buffer.erase(0, content_length);
    {
      std::lock_guard lock(mutex_);
      requests_.push_back(request);
    }
    ScriptedResponse response = next_response();
    if (response.stall.count() > 0) std::this_thread::sleep_for(response.stall);
    if (response.drop_connection) {
      ::close(fd);
      return;
    }
    std::string out = response.raw;
    if (out.empty()) {
      out = "HTTP/1.1 " + std::to_string(response.status) + " Scripted\r\n";
      for (const auto& [name, value] : response.headers)
        out.append(name).append(": ").append(value).append("\r\n");
      out += "Content-Length: " + std::to_string(response.body.size()) + "\r\n\r\n" + response.body;
    }
    if (!send_all(fd, out) || response.close_after) {
      ::close(fd);
      return;
    }
  }
}

}  // namespace fanout::client::testing
