#include "services/sns/arn.h"

#include <algorithm>
#include <vector>

namespace fanout::services::sns {

namespace {

// Splits "arn:partition:service:region:account:rest" into its six parts (rest keeps its colons).
std::optional<std::vector<std::string_view>> split_arn(std::string_view arn) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (int i = 0; i < 5; ++i) {
    auto colon = arn.find(':', start);
    if (colon == std::string_view::npos) return std::nullopt;
    parts.push_back(arn.substr(start, colon - start));
    start = colon + 1;
  }
  parts.push_back(arn.substr(start));
  if (parts[0] != "arn" || parts[1].empty()) return std::nullopt;
  return parts;
}

bool name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

bool is_region(std::string_view region) {
  return !region.empty() && region.size() <= 32 && std::all_of(region.begin(), region.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

}  // namespace

bool is_account_id(std::string_view text) {
  return text.size() == 12 &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string format_topic_arn(std::string_view region, std::string_view account, std::string_view name) {
  std::string arn = "arn:aws:sns:";
  arn.append(region).append(":").append(account).append(":").append(name);
  return arn;
}

bool is_valid_topic_name(std::string_view name, bool fifo) {
  if (name.empty() || name.size() > 256) return false;
  if (fifo) {
    if (!name.ends_with(".fifo") || name.size() == 5) return false;
    name.remove_suffix(5);
  }
  return std::all_of(name.begin(), name.end(), name_char);
}

std::optional<TopicName> parse_topic_arn(std::string_view arn) {
  auto parts = split_arn(arn);
  if (!parts || (*parts)[2] != "sns" || !is_region((*parts)[3]) || !is_account_id((*parts)[4]))
    return std::nullopt;
  auto name = (*parts)[5];
  if (!is_valid_topic_name(name, name.ends_with(".fifo"))) return std::nullopt;
  return TopicName{std::string((*parts)[3]), std::string((*parts)[4]), std::string(name)};
}

std::optional<std::string> topic_of_subscription_arn(std::string_view subscription_arn) {
  auto colon = subscription_arn.rfind(':');
  if (colon == std::string_view::npos || colon + 1 == subscription_arn.size()) return std::nullopt;
  auto topic = subscription_arn.substr(0, colon);
  if (!parse_topic_arn(topic)) return std::nullopt;
  return std::string(topic);
}

std::optional<QueueName> parse_queue_arn(std::string_view arn) {
  auto parts = split_arn(arn);
  if (!parts || (*parts)[2] != "sqs" || !is_region((*parts)[3]) || !is_account_id((*parts)[4]))
    return std::nullopt;
  auto name = (*parts)[5];
  if (name.empty() || name.size() > 80) return std::nullopt;
  auto base = name.ends_with(".fifo") ? name.substr(0, name.size() - 5) : name;
  if (base.empty() || !std::all_of(base.begin(), base.end(), name_char)) return std::nullopt;
  return QueueName{std::string((*parts)[3]), std::string((*parts)[4]), std::string(name)};
}

bool is_firehose_stream_arn(std::string_view arn) {
  auto parts = split_arn(arn);
  if (!parts || (*parts)[2] != "firehose" || !is_region((*parts)[3]) || !is_account_id((*parts)[4]))
    return false;
  auto rest = (*parts)[5];
  if (!rest.starts_with("deliverystream/")) return false;
  auto name = rest.substr(15);
  return !name.empty() && name.size() <= 64 &&
         std::all_of(name.begin(), name.end(), [](char c) { return name_char(c) || c == '.'; });
}

bool is_iam_role_arn(std::string_view arn) {
  auto parts = split_arn(arn);
  if (!parts || (*parts)[2] != "iam" || !(*parts)[3].empty() || !is_account_id((*parts)[4])) return false;
  auto rest = (*parts)[5];
  return rest.starts_with("role/") && rest.size() > 5 && rest.back() != '/';
}

}  // namespace fanout::services::sns
