// One service's request loop: sign (fresh for every attempt), send over the reused connection,
// turn an error response into an AwsError, and retry per the standard retry mode.
// Not thread-safe: use one client per thread.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "auth/sigv4.h"
#include "client/client_config.h"
#include "client/http_transport.h"
#include "client/retry_policy.h"

namespace fanout::client {

class AwsError;

// Builds the typed error from a non-2xx response (protocol-specific).
using ErrorParser = std::function<AwsError(const HttpResponse&)>;

class ServiceCaller {
 public:
  ServiceCaller(const ClientConfig& config, std::string service, ErrorParser parse_error);

  // request.target is relative to the endpoint (its base path is prepended); Host is added.
  // Returns the 2xx response; throws AwsError or TransportError once retries are exhausted.
  // A non-empty s3_bucket addresses an AWS endpoint virtual-hosted style (bucket.s3.region...).
  HttpResponse call(auth::HttpRequest request, const std::string& s3_bucket = "");

  const Endpoint& endpoint() const { return endpoint_; }
  const ClientConfig& config() const { return config_; }
  int last_attempts() const { return last_attempts_; }
  RetryPolicy& retry_policy() { return retry_; }
  HttpTransport& transport() { return transport_; }

 private:
  ClientConfig config_;
  std::string service_;
  Endpoint endpoint_;
  ErrorParser parse_error_;
  HttpTransport transport_;
  RetryPolicy retry_;
  int last_attempts_ = 0;
};

}  // namespace fanout::client
