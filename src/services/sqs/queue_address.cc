#include "services/sqs/queue_address.h"

#include <vector>

namespace fanout::services::sqs {

std::optional<QueueAddress> parse_queue_url(std::string_view url) {
  if (auto cut = url.find_first_of("?#"); cut != std::string_view::npos) url = url.substr(0, cut);
  std::string_view path = url;
  if (auto scheme = url.find("://"); scheme != std::string_view::npos) {
    auto rest = url.substr(scheme + 3);
    auto slash = rest.find('/');
    if (slash == std::string_view::npos) return std::nullopt;
    path = rest.substr(slash);
  }
  std::vector<std::string_view> segments;
  std::size_t pos = 0;
  while (pos <= path.size()) {
    auto next = path.find('/', pos);
    if (next == std::string_view::npos) next = path.size();
    if (next > pos) segments.push_back(path.substr(pos, next - pos));
    pos = next + 1;
  }
  if (segments.size() < 2) return std::nullopt;
  return QueueAddress{std::string(segments[segments.size() - 2]), std::string(segments.back())};
}

std::optional<QueueAddress> parse_queue_arn(std::string_view arn) {
  // arn:<partition>:sqs:<region>:<account>:<name>
  std::vector<std::string_view> parts;
  std::size_t pos = 0;
  for (int i = 0; i < 5; ++i) {
    auto colon = arn.find(':', pos);
    if (colon == std::string_view::npos) return std::nullopt;
    parts.push_back(arn.substr(pos, colon - pos));
    pos = colon + 1;
  }
  parts.push_back(arn.substr(pos));
  if (parts[0] != "arn" || parts[2] != "sqs" || parts[4].empty() || parts[5].empty()) return std::nullopt;
  if (parts[5].find(':') != std::string_view::npos || parts[5].find('/') != std::string_view::npos) {
    return std::nullopt;
  }
  return QueueAddress{std::string(parts[4]), std::string(parts[5])};
}

std::optional<QueueAddress> parse_queue_reference(std::string_view reference) {
  if (reference.starts_with("arn:")) return parse_queue_arn(reference);
  return parse_queue_url(reference);
}

std::string format_queue_url(std::string_view scheme, std::string_view host, std::string_view account,
                             std::string_view name) {
  std::string url;
  url.reserve(scheme.size() + host.size() + account.size() + name.size() + 5);
  url.append(scheme.empty() ? "http" : scheme).append("://").append(host.empty() ? "localhost:4566" : host);
  url.append("/").append(account).append("/").append(name);
  return url;
}

std::string format_queue_arn(std::string_view region, std::string_view account, std::string_view name) {
  std::string arn = "arn:aws:sqs:";
  arn.append(region.empty() ? "us-east-1" : region).append(":").append(account).append(":").append(name);
  return arn;
}

}  // namespace fanout::services::sqs
