// Everything a service client needs, resolved once: region, credentials, per-service endpoints,
// retry and transport settings.
#pragma once

#include <map>
#include <string>

#include "auth/sigv4.h"
#include "client/endpoint.h"
#include "client/environment.h"
#include "client/http_transport.h"
#include "client/retry_policy.h"

namespace fanout::client {

class DotEnv;

struct ClientConfig {
  std::string region;
  auth::Credentials credentials;
  std::string credentials_source;
  std::map<std::string, Endpoint> endpoints;  // by service id: sqs, sns, firehose, s3, cloudformation
  RetryOptions retry;
  TransportOptions transport;

  // Throws ConfigError when the service has no endpoint.
  const Endpoint& endpoint_for(const std::string& service) const;
};

struct ConfigSources {
  EnvLookup env = process_environment();
  const DotEnv* dot_env = nullptr;  // the reference .env, last in the credential chain
  // Used when neither the environment nor the profile names a region (the apps pass the region of
  // the topic ARN or queue URL they were given).
  std::string region_fallback;
};

// Region: AWS_REGION, AWS_DEFAULT_REGION, the profile's region, the fallback. Attempts:
// AWS_MAX_ATTEMPTS, the profile's max_attempts. Trusted CAs: AWS_CA_BUNDLE, the profile's
// ca_bundle, else the system store. Throws ConfigError naming what is missing.
ClientConfig load_client_config(const ConfigSources& sources = {});

// The region part of an ARN ("arn:aws:sns:us-east-1:...") or an AWS queue URL
// ("https://sqs.eu-west-1.amazonaws.com/..."); empty when there is none.
std::string region_from_arn_or_url(const std::string& text);

}  // namespace fanout::client
