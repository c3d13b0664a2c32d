#include "services/sqs/redrive_policy.h"

#include <algorithm>
#include <boost/json.hpp>

#include "services/sqs/queue_address.h"
#include "services/sqs/sqs_error.h"
#include "services/sqs/validation.h"

namespace fanout::services::sqs {

namespace {

boost::json::object parse_map(std::string_view parameter, std::string_view text) {
  boost::system::error_code ec;
  auto value = boost::json::parse(text, ec);
  if (ec || !value.is_object()) {
    throw errors::invalid_parameter_value(parameter, text,
                                          std::string(parameter) == "RedrivePolicy"
                                              ? "Redrive policy is not a valid JSON map."
                                              : "Redrive allow policy is not a valid JSON map.");
  }
  return std::move(value.get_object());
}

}  // namespace

bool RedriveAllowPolicy::allows(std::string_view source_arn) const {
  if (permission == "allowAll") return true;
  if (permission == "denyAll") return false;
  return std::find(source_queue_arns.begin(), source_queue_arns.end(), source_arn) != source_queue_arns.end();
}

RedrivePolicy parse_redrive_policy(std::string_view text) {
  auto map = parse_map("RedrivePolicy", text);
  RedrivePolicy policy;
  for (const auto& entry : map) {
    std::string_view key(entry.key().data(), entry.key().size());
    if (key != "deadLetterTargetArn" && key != "maxReceiveCount") {
      throw errors::invalid_parameter_value("RedrivePolicy", text,
                                            "Only following attributes are supported: [deadLetterTargetArn, "
                                            "maxReceiveCount].");
    }
  }
  auto arn = map.find("deadLetterTargetArn");
  if (arn == map.end() || !arn->value().is_string() || arn->value().get_string().empty()) {
    throw errors::invalid_parameter_value(
        "RedrivePolicy", text, "Redrive policy does not contain mandatory attribute: deadLetterTargetArn.");
  }
  policy.dead_letter_target_arn = std::string(arn->value().get_string());
  if (!parse_queue_arn(policy.dead_letter_target_arn)) {
    throw errors::invalid_parameter_value("RedrivePolicy", text, "Invalid value for deadLetterTargetArn.");
  }
  auto count = map.find("maxReceiveCount");
  if (count == map.end()) {
    throw errors::invalid_parameter_value(
        "RedrivePolicy", text, "Redrive policy does not contain mandatory attribute: maxReceiveCount.");
  }
  std::optional<std::int64_t> n;
  std::string shown;
  if (count->value().is_int64()) {
    n = count->value().get_int64();
  } else if (count->value().is_uint64()) {
    n = count->value().get_uint64() > 100000 ? 100000
                                             : static_cast<std::int64_t>(count->value().get_uint64());
  } else if (count->value().is_string()) {
    n = validation::parse_integer(std::string_view(count->value().get_string()));
  }
  shown = boost::json::serialize(count->value());
  if (!n || *n < 1 || *n > 1000) {
    throw errors::invalid_parameter_value(
        "RedrivePolicy", text,
        "Invalid value for maxReceiveCount: " + shown + ", valid values are from 1 to 1000 both inclusive.");
  }
  policy.max_receive_count = *n;
  return policy;
}

RedriveAllowPolicy parse_redrive_allow_policy(std::string_view text) {
  auto map = parse_map("RedriveAllowPolicy", text);
  RedriveAllowPolicy policy;
  auto permission = map.find("redrivePermission");
  if (permission == map.end() || !permission->value().is_string()) {
    throw errors::invalid_parameter_value("RedriveAllowPolicy", text,
                                          "Redrive allow policy does not contain mandatory attribute: "
                                          "redrivePermission.");
  }
  policy.permission = std::string(permission->value().get_string());
  if (policy.permission != "allowAll" && policy.permission != "denyAll" && policy.permission != "byQueue") {
    throw errors::invalid_parameter_value(
        "RedriveAllowPolicy", text,
        "Invalid value for redrivePermission. Valid values are allowAll, denyAll "
        "and byQueue.");
  }
  auto sources = map.find("sourceQueueArns");
  if (sources != map.end()) {
    if (policy.permission != "byQueue") {
      throw errors::invalid_parameter_value("RedriveAllowPolicy", text,
                                            "sourceQueueArns can be specified only when redrivePermission is "
                                            "byQueue.");
    }
    if (!sources->value().is_array()) {
      throw errors::invalid_parameter_value("RedriveAllowPolicy", text, "sourceQueueArns must be a list.");
    }
    for (const auto& item : sources->value().get_array()) {
      if (!item.is_string() || !parse_queue_arn(std::string_view(item.get_string()))) {
        throw errors::invalid_parameter_value("RedriveAllowPolicy", text,
                                              "Invalid value in sourceQueueArns.");
      }
      policy.source_queue_arns.emplace_back(item.get_string());
    }
    if (policy.source_queue_arns.size() > 10) {
      throw errors::invalid_parameter_value("RedriveAllowPolicy", text,
                                            "Up to 10 source queue ARNs can be specified.");
    }
  }
  if (policy.permission == "byQueue" && policy.source_queue_arns.empty()) {
    throw errors::invalid_parameter_value(
        "RedriveAllowPolicy", text, "sourceQueueArns must be specified when redrivePermission is byQueue.");
  }
  return policy;
}

std::string render_redrive_policy(const RedrivePolicy& policy) {
  boost::json::object out;
  out["deadLetterTargetArn"] = policy.dead_letter_target_arn;
  out["maxReceiveCount"] = policy.max_receive_count;
  return boost::json::serialize(out);
}

std::string render_redrive_allow_policy(const RedriveAllowPolicy& policy) {
  boost::json::object out;
  out["redrivePermission"] = policy.permission;
  if (!policy.source_queue_arns.empty()) {
    boost::json::array arns;
    for (const auto& arn : policy.source_queue_arns) arns.emplace_back(arn);
    out["sourceQueueArns"] = std::move(arns);
  }
  return boost::json::serialize(out);
}

}  // namespace fanout::services::sqs
