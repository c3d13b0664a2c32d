// A ClientConfig aimed at a test server, with fast backoff unless a test wants the real one.
#pragma once

#include <chrono>

#include "client/client_config.h"
#include "client/endpoint.h"

namespace fanout::client::testing {

inline ClientConfig config_for(const std::string& url, bool fast_backoff = true) {
  ClientConfig config;
  config.region = "us-east-1";
  config.credentials = {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};
  config.credentials_source = "test";
  Endpoint endpoint = parse_endpoint_url(url);
  endpoint.custom = true;
  for (const char* service : {"sqs", "sns", "firehose", "s3", "cloudformation"})
    config.endpoints[service] = endpoint;
  if (fast_backoff) {
    config.retry.base_delay = std::chrono::milliseconds(5);
    config.retry.throttling_base_delay = std::chrono::milliseconds(5);
  }
  config.transport.request_timeout = std::chrono::milliseconds(3000);
  return config;
}

}  // namespace fanout::client::testing
