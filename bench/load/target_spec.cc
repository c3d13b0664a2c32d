#include "load/target_spec.h"

#include <charconv>
#include <stdexcept>

namespace fanout::bench {
namespace {

std::invalid_argument bad(std::string_view spec, std::string_view why) {
  return std::invalid_argument("target '" + std::string(spec) + "': " + std::string(why));
}

std::vector<std::string_view> split_words(std::string_view text) {
  std::vector<std::string_view> words;
  while (!text.empty()) {
    const auto start = text.find_first_not_of(" \t\n");
    if (start == std::string_view::npos) break;
    text.remove_prefix(start);
    const auto end = text.find_first_of(" \t\n");
    words.push_back(text.substr(0, end));
    text.remove_prefix(end == std::string_view::npos ? text.size() : end);
  }
  return words;
}

// http://host[:port][/path[?query]] (IPv6 hosts in brackets).
void parse_url(std::string_view spec, std::string_view url, TargetSpec& target) {
  constexpr std::string_view kScheme = "http://";
  if (url.substr(0, kScheme.size()) != kScheme) throw bad(spec, "URL must start with http://");
  url.remove_prefix(kScheme.size());
  const auto slash = url.find('/');
  std::string_view authority = url.substr(0, slash);
  target.target = slash == std::string_view::npos ? "/" : std::string(url.substr(slash));
  std::string_view port = "80";
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) throw bad(spec, "unterminated [IPv6] host");
    target.endpoint.host = std::string(authority.substr(1, close - 1));
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') throw bad(spec, "bad authority");
      port = authority.substr(close + 2);
    }
  } else {
    const auto colon = authority.rfind(':');
    target.endpoint.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (target.endpoint.host.empty()) throw bad(spec, "URL has no host");
  unsigned value = 0;
  auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc() || p != port.data() + port.size() || value == 0 || value > 65535) {
    throw bad(spec, "bad port '" + std::string(port) + "'");
  }
  target.endpoint.port = static_cast<std::uint16_t>(value);
}

std::string host_header(const Endpoint& endpoint) {
  const bool v6 = endpoint.host.find(':') != std::string::npos;
  std::string host = v6 ? "[" + endpoint.host + "]" : endpoint.host;
  if (endpoint.port != 80) host += ":" + std::to_string(endpoint.port);
  return host;
}

}  // namespace

TargetSpec parse_target_spec(std::string_view text) {
  TargetSpec target;
  const auto eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0) throw bad(text, "expected NAME=METHOD URL [key=value...]");
  target.name = std::string(text.substr(0, eq));
  const auto words = split_words(text.substr(eq + 1));
  if (words.size() < 2) throw bad(text, "expected NAME=METHOD URL [key=value...]");
  target.method = std::string(words[0]);
  parse_url(text, words[1], target);
  for (std::size_t i = 2; i < words.size(); ++i) {
    const auto word = words[i];
    const auto sep = word.find('=');
    if (sep == std::string_view::npos) throw bad(text, "option '" + std::string(word) + "' is not key=value");
    const auto key = word.substr(0, sep);
    const auto value = std::string(word.substr(sep + 1));
    if (key == "expect") {
      parse_expected(value);  // validates
      target.expect = value;
    } else if (key == "sigv4") {
      const auto slash = value.find('/');
      if (slash == std::string::npos || slash == 0 || slash + 1 == value.size()) {
        throw bad(text, "sigv4 wants SERVICE/REGION");
      }
      target.sigv4_service = value.substr(0, slash);
      target.sigv4_region = value.substr(slash + 1);
    } else if (key == "form") {
      target.body = value;
      target.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
    } else if (key == "body") {
      target.body = value;
    } else if (key == "header") {
      const auto colon = value.find(':');
      if (colon == std::string::npos || colon == 0) throw bad(text, "header wants Name:Value");
      target.headers.emplace_back(value.substr(0, colon), value.substr(colon + 1));
    } else if (key == "pids") {
      std::string_view list = value;
      while (!list.empty()) {
        const auto comma = list.find(',');
        const auto item = list.substr(0, comma);
        int pid = 0;
        auto [p, ec] = std::from_chars(item.data(), item.data() + item.size(), pid);
        if (ec != std::errc() || p != item.data() + item.size() || pid <= 0)
          throw bad(text, "pids wants PID,PID...");
        target.pids.push_back(pid);
        list.remove_prefix(comma == std::string_view::npos ? list.size() : comma + 1);
      }
    } else if (key == "contains") {
      target.contains = value;
    } else {
      throw bad(text, "unknown option '" + std::string(key) + "'");
    }
  }
  return target;
}

StatusPredicate parse_expected(std::string_view codes) {
  std::vector<std::pair<int, int>> ranges;  // inclusive
  std::string_view rest = codes;
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    const auto item = rest.substr(0, comma);
    rest.remove_prefix(comma == std::string_view::npos ? rest.size() : comma + 1);
    if (item.size() == 3 && (item.substr(1) == "xx" || item.substr(1) == "XX") && item[0] >= '1' &&
        item[0] <= '5') {
      const int base = (item[0] - '0') * 100;
      ranges.emplace_back(base, base + 99);
      continue;
    }
    int status = 0;
    auto [p, ec] = std::from_chars(item.data(), item.data() + item.size(), status);
    if (ec != std::errc() || p != item.data() + item.size() || status < 100 || status > 999) {
      throw std::invalid_argument("bad expected status '" + std::string(item) +
                                  "' (want e.g. 2xx, 400, 200,404)");
    }
    ranges.emplace_back(status, status);
  }
  if (ranges.empty()) throw std::invalid_argument("empty expected status list");
  return [ranges](int status) {
    for (const auto& [low, high] : ranges) {
      if (status >= low && status <= high) return true;
    }
    return false;
  };
}

std::string build_request(const TargetSpec& spec, const auth::Credentials* credentials,
                          std::int64_t time_seconds) {
  auth::HttpRequest request;
  request.method = spec.method;
  request.target = spec.target;
  request.headers.emplace_back("Host", host_header(spec.endpoint));
  for (const auto& header : spec.headers) request.headers.push_back(header);
  request.body = spec.body;
  if (spec.sigv4_service) {
    if (credentials == nullptr)
      throw std::invalid_argument("target '" + spec.name + "' is signed but no credential was given");
    auth::SigningOptions options;
    options.service = *spec.sigv4_service;
    options.region = spec.sigv4_region;
    options.time_seconds = time_seconds;
    auth::sign_request(request, *credentials, options);
  }
  std::string bytes = request.method + " " + request.target + " HTTP/1.1\r\n";
  for (const auto& [name, value] : request.headers)
    bytes.append(name).append(": ").append(value).append("\r\n");
  bytes += "User-Agent: fanout-http-bench/1\r\n";
  if (!request.body.empty() || request.method == "POST" || request.method == "PUT") {
    bytes += "Content-Length: " + std::to_string(request.body.size()) + "\r\n";
  }
  bytes += "\r\n";
  bytes += request.body;
  return bytes;
}

}  // namespace fanout::bench
