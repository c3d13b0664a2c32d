#include "services/sns/topic.h"

#include <algorithm>
#include <boost/json.hpp>

#include "services/sns/delivery_policy.h"
#include "services/sns/sns_error.h"
#include "services/sns/topic_policy.h"

namespace fanout::services::sns {

namespace json = boost::json;

std::string Topic::attribute(std::string_view name) const {
  auto it = attributes.find(name);
  return it == attributes.end() ? std::string() : it->second;
}

std::string Topic::signature_version() const { return attribute("SignatureVersion") == "2" ? "2" : "1"; }

std::size_t Topic::maximum_message_size() const {
  auto value = attribute("MaximumMessageSize");
  if (value.empty()) return kDefaultMaximumMessageSize;
  try {
    return static_cast<std::size_t>(std::stoul(value));
  } catch (...) {
    return kDefaultMaximumMessageSize;
  }
}

json::object Topic::to_record() const {
  json::object attrs;
  for (const auto& [k, v] : attributes) attrs[k] = v;
  json::array tag_list;
  for (const auto& [k, v] : tags) tag_list.push_back(json::array{json::value(k), json::value(v)});
  return json::object{{"arn", arn},
                      {"name", name},
                      {"account", account},
                      {"region", region},
                      {"fifo", fifo},
                      {"attributes", std::move(attrs)},
                      {"tags", std::move(tag_list)},
                      {"data_protection_policy", data_protection_policy},
                      {"subscriptions_deleted", subscriptions_deleted},
                      {"created_ms", created_ms}};
}

Topic Topic::from_record(const json::object& r) {
  Topic t;
  t.arn = std::string(r.at("arn").as_string());
  t.name = std::string(r.at("name").as_string());
  t.account = std::string(r.at("account").as_string());
  t.region = std::string(r.at("region").as_string());
  t.fifo = r.at("fifo").as_bool();
  for (const auto& [k, v] : r.at("attributes").as_object())
    t.attributes[std::string(k)] = std::string(v.as_string());
  for (const auto& pair : r.at("tags").as_array()) {
    const auto& p = pair.as_array();
    t.tags.emplace_back(std::string(p.at(0).as_string()), std::string(p.at(1).as_string()));
  }
  t.data_protection_policy = std::string(r.at("data_protection_policy").as_string());
  t.subscriptions_deleted = r.at("subscriptions_deleted").to_number<std::uint64_t>();
  t.created_ms = r.at("created_ms").to_number<std::int64_t>();
  return t;
}

namespace {

bool is_feedback_attribute(std::string_view name) {
  for (std::string_view protocol : {"Application", "Firehose", "HTTP", "Lambda", "SQS"}) {
    if (!name.starts_with(protocol)) continue;
    auto rest = name.substr(protocol.size());
    if (rest == "SuccessFeedbackRoleArn" || rest == "SuccessFeedbackSampleRate" ||
        rest == "FailureFeedbackRoleArn") {
      return true;
    }
  }
  return false;
}

std::string bool_value(std::string_view name, std::string_view value) {
  std::string lower(value);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  if (lower != "true" && lower != "false") throw errors::invalid_parameter(std::string(name));
  return lower;
}

}  // namespace

std::string validate_topic_attribute(std::string_view name, std::string_view value, bool fifo,
                                     bool creating) {
  if (name == "FifoTopic") {
    if (!creating) throw errors::invalid_parameter("AttributeName");
    return bool_value(name, value);
  }
  if (name == "DisplayName") {
    if (value.size() > 100) throw errors::invalid_parameter("DisplayName");
    return std::string(value);
  }
  if (name == "Policy") {
    validate_topic_policy(value);
    return std::string(value);
  }
  if (name == "DeliveryPolicy") {
    parse_topic_delivery_policy(value);
    return std::string(value);
  }
  if (name == "SignatureVersion") {
    if (value != "1" && value != "2") throw errors::invalid_parameter("SignatureVersion");
    return std::string(value);
  }
  if (name == "TracingConfig") {
    if (value != "PassThrough" && value != "Active") throw errors::invalid_parameter("TracingConfig");
    return std::string(value);
  }
  if (name == "KmsMasterKeyId") return std::string(value);
  if (name == "ContentBasedDeduplication") {
    auto v = bool_value(name, value);
    if (!fifo) {
      throw errors::invalid_parameter(
          "ContentBasedDeduplication Reason: Content based deduplication can only be set for FIFO topics");
    }
    return v;
  }
  if (name == "FifoThroughputScope") {
    if (!fifo)
      throw errors::invalid_parameter("FifoThroughputScope Reason: Only FIFO topics support this attribute");
    if (value != "Topic" && value != "MessageGroup") throw errors::invalid_parameter("FifoThroughputScope");
    return std::string(value);
  }
  if (name == "MaximumMessageSize") {
    std::size_t n = 0;
    bool ok = !value.empty() && value.size() <= 8 &&
              std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (ok) n = std::stoul(std::string(value));
    if (!ok || n < 1024 || n > kLargestMaximumMessageSize) {
      throw errors::invalid_parameter(
          "MaximumMessageSize Reason: must be an integer between 1024 and 1048576");
    }
    return std::to_string(n);
  }
  if (name == "ArchivePolicy") {
    // Archiving and replay are real behaviour we do not have: refuse rather than pretend.
    if (!fifo)
      throw errors::invalid_parameter("ArchivePolicy Reason: Only FIFO topics support message archiving");
    throw errors::invalid_parameter(
        "ArchivePolicy Reason: fanoutd does not support message archiving and replay");
  }
  if (is_feedback_attribute(name)) return std::string(value);
  throw errors::invalid_parameter(creating ? "Attributes Reason: Unknown attribute " + std::string(name)
                                           : std::string("AttributeName"));
}

void validate_tags(const Tags& tags) {
  if (tags.size() > 50) throw errors::tag_limit_exceeded();
  for (const auto& [key, value] : tags) {
    if (key.empty() || key.size() > 128)
      throw errors::invalid_parameter("Tags Reason: Tag keys must be 1 to 128 characters");
    if (value.size() > 256)
      throw errors::invalid_parameter("Tags Reason: Tag values must be at most 256 characters");
    if (key.starts_with("aws:"))
      throw errors::invalid_parameter("Tags Reason: Tag keys must not start with aws:");
  }
}

Tags merge_tags(const Tags& existing, const Tags& added) {
  Tags out = existing;
  for (const auto& [key, value] : added) {
    // Named capture: clang 14 cannot capture a structured binding (C++20 P1091) implicitly.
    auto it = std::find_if(out.begin(), out.end(), [&key = key](const auto& t) { return t.first == key; });
    if (it != out.end()) {
      it->second = value;
    } else {
      out.emplace_back(key, value);
    }
  }
  return out;
}

}  // namespace fanout::services::sns
