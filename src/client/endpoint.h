// Which host a service client talks to: AWS_ENDPOINT_URL_<SERVICE>, then AWS_ENDPOINT_URL, then
// the profile's endpoint_url, else the service's real AWS endpoint for the region.
#pragma once

#include <string>

#include "client/environment.h"

namespace fanout::client {

struct Profile;

struct Endpoint {
  std::string scheme;     // "http" or "https"
  std::string host;       // without port
  int port = 0;           // 0: the scheme's default
  bool custom = false;    // an override (fanoutd, a proxy), not an AWS endpoint
  std::string base_path;  // any path prefix of the override, without a trailing '/'

  std::string origin() const;       // scheme://host[:port]
  std::string host_header() const;  // host[:port], as signed
};

// Throws ConfigError for a URL that is not http(s)://host[:port][/path].
Endpoint parse_endpoint_url(const std::string& url);

// service: "sqs", "sns", "firehose", "s3" or "cloudformation".
Endpoint resolve_endpoint(const EnvLookup& env, const Profile& profile, const std::string& service,
                          const std::string& region);

}  // namespace fanout::client
