#include "client/endpoint.h"

#include <algorithm>
#include <cctype>

#include "client/aws_error.h"
#include "client/profile.h"

namespace fanout::client {

std::string Endpoint::origin() const { return scheme + "://" + host_header(); }

std::string Endpoint::host_header() const {
  const bool default_port =
      port == 0 || (scheme == "http" && port == 80) || (scheme == "https" && port == 443);
  return default_port ? host : host + ":" + std::to_string(port);
}

Endpoint parse_endpoint_url(const std::string& url) {
  Endpoint endpoint;
  const auto sep = url.find("://");
  if (sep == std::string::npos)
    throw ConfigError("endpoint URL '" + url + "' has no scheme (http:// or https://)");
  endpoint.scheme = url.substr(0, sep);
  std::transform(endpoint.scheme.begin(), endpoint.scheme.end(), endpoint.scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (endpoint.scheme != "http" && endpoint.scheme != "https") {
    throw ConfigError("endpoint URL '" + url + "': scheme must be http or https");
  }
  std::string rest = url.substr(sep + 3);
  const auto slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  if (slash != std::string::npos) {
    endpoint.base_path = rest.substr(slash);
    while (!endpoint.base_path.empty() && endpoint.base_path.back() == '/') endpoint.base_path.pop_back();
  }
  if (authority.empty() || authority.find('@') != std::string::npos) {
    throw ConfigError("endpoint URL '" + url + "' has no usable host");
  }
  const auto colon = authority.rfind(':');
  if (colon != std::string::npos && authority.find(']', colon) == std::string::npos) {
    const std::string port = authority.substr(colon + 1);
    if (port.empty() || port.size() > 5 || !std::all_of(port.begin(), port.end(), ::isdigit) ||
        std::stoi(port) == 0 || std::stoi(port) > 65535) {
      throw ConfigError("endpoint URL '" + url + "' has an invalid port");
    }
    endpoint.port = std::stoi(port);
    authority.resize(colon);
  }
  endpoint.host = authority;
  return endpoint;
}

Endpoint resolve_endpoint(const EnvLookup& env, const Profile& profile, const std::string& service,
                          const std::string& region) {
  std::string suffix = service;
  std::transform(suffix.begin(), suffix.end(), suffix.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  std::optional<std::string> configured;
  if (!env("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")) {
    configured = env("AWS_ENDPOINT_URL_" + suffix);
    if (!configured) configured = env("AWS_ENDPOINT_URL");
    if (!configured) configured = profile.get("endpoint_url");
  }
  if (configured) {
    Endpoint endpoint = parse_endpoint_url(*configured);
    endpoint.custom = true;
    return endpoint;
  }
  if (region.empty()) throw ConfigError("no region configured for " + service + " (set AWS_REGION)");
  const std::string dns_suffix = region.rfind("cn-", 0) == 0 ? "amazonaws.com.cn" : "amazonaws.com";
  Endpoint endpoint;
  endpoint.scheme = "https";
  endpoint.host = service + "." + region + "." + dns_suffix;
  return endpoint;
}

}  // namespace fanout::client
