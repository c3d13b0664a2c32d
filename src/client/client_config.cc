#include "client/client_config.h"

#include <array>

#include "client/aws_error.h"
#include "client/credentials.h"
#include "client/profile.h"

namespace fanout::client {

const Endpoint& ClientConfig::endpoint_for(const std::string& service) const {
  auto it = endpoints.find(service);
  if (it == endpoints.end()) throw ConfigError("no endpoint configured for " + service);
  return it->second;
}

ClientConfig load_client_config(const ConfigSources& sources) {
  const EnvLookup& env = sources.env;
  const Profile profile = load_profile(env);
  ClientConfig config;

  auto region = env("AWS_REGION");
  if (!region) region = env("AWS_DEFAULT_REGION");
  if (!region) region = profile.get("region");
  if (!region && !sources.region_fallback.empty()) region = sources.region_fallback;
  if (!region) {
    throw ConfigError("no AWS region: set AWS_REGION (or AWS_DEFAULT_REGION), or region in profile " +
                      profile.name);
  }
  config.region = *region;

  auto attempts = env("AWS_MAX_ATTEMPTS");
  if (!attempts) attempts = profile.get("max_attempts");
  if (attempts) {
    try {
      config.retry.max_attempts = std::stoi(*attempts);
    } catch (const std::exception&) {
      config.retry.max_attempts = 0;
    }
    if (config.retry.max_attempts < 1)
      throw ConfigError("max_attempts must be a number >= 1, not '" + *attempts + "'");
  }

  if (auto ca_bundle = env("AWS_CA_BUNDLE")) {
    config.transport.ca_bundle = *ca_bundle;
  } else if (auto profile_bundle = profile.get("ca_bundle")) {
    config.transport.ca_bundle = *profile_bundle;
  }

  ResolvedCredentials credentials = resolve_credentials(env, profile, sources.dot_env);
  config.credentials = std::move(credentials.credentials);
  config.credentials_source = std::move(credentials.source);

  for (const char* service : {"sqs", "sns", "firehose", "s3", "cloudformation"}) {
    config.endpoints[service] = resolve_endpoint(env, profile, service, config.region);
  }
  return config;
}

std::string region_from_arn_or_url(const std::string& text) {
  if (text.rfind("arn:", 0) == 0) {
    // arn:partition:service:region:account:resource
    std::size_t pos = 0;
    for (int i = 0; i < 3; ++i) {
      pos = text.find(':', pos);
      if (pos == std::string::npos) return {};
      ++pos;
    }
    const auto end = text.find(':', pos);
    return end == std::string::npos ? std::string() : text.substr(pos, end - pos);
  }
  // https://sqs.<region>.amazonaws.com/...
  const auto scheme = text.find("://");
  if (scheme == std::string::npos) return {};
  const auto host_end = text.find_first_of(":/", scheme + 3);
  const std::string host =
      text.substr(scheme + 3, host_end == std::string::npos ? std::string::npos : host_end - scheme - 3);
  const auto first_dot = host.find('.');
  if (first_dot == std::string::npos || host.find(".amazonaws.com") == std::string::npos) return {};
  const auto second_dot = host.find('.', first_dot + 1);
  return host.substr(first_dot + 1, second_dot - first_dot - 1);
}

}  // namespace fanout::client
