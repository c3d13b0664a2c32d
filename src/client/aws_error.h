// The errors the client raises: an AWS error response (typed, with what the service said), a
// transport failure (no response at all), and a configuration problem found before any request.
#pragma once

#include <stdexcept>
#include <string>

namespace fanout::client {

// A service answered with an error (or with a response that fails the SDKs' integrity checks).
class AwsError : public std::runtime_error {
 public:
  AwsError(std::string code, std::string message, int http_status, std::string request_id);

  const std::string& code() const { return code_; }
  const std::string& aws_message() const { return message_; }
  int http_status() const { return http_status_; }
  const std::string& request_id() const { return request_id_; }

  // The standard retry mode's classification.
  bool is_throttling() const;
  bool is_transient() const;

 private:
  std::string code_;
  std::string message_;
  int http_status_;
  std::string request_id_;
};

// No HTTP response: connection refused/reset, timeout, TLS failure, malformed URL.
class TransportError : public std::runtime_error {
 public:
  explicit TransportError(const std::string& what) : std::runtime_error(what) {}
};

// Missing or malformed configuration (credentials, region, .env, endpoint).
class ConfigError : public std::runtime_error {
 public:
  explicit ConfigError(const std::string& what) : std::runtime_error(what) {}
};

// The error codes the AWS SDKs' standard retry mode treats as throttling.
bool is_throttling_code(const std::string& code);

}  // namespace fanout::client
