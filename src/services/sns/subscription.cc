#include "services/sns/subscription.h"

#include <algorithm>
#include <boost/json.hpp>

#include "services/sns/arn.h"
#include "services/sns/delivery_policy.h"
#include "services/sns/sns_error.h"

namespace fanout::services::sns {

namespace json = boost::json;

std::string Subscription::attribute(std::string_view name) const {
  auto it = attributes.find(name);
  return it == attributes.end() ? std::string() : it->second;
}

namespace {

std::optional<std::string> dead_letter_target(std::string_view redrive_policy) {
  boost::system::error_code ec;
  auto v = json::parse(redrive_policy, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const auto* target = v.as_object().if_contains("deadLetterTargetArn");
  if (!target || !target->is_string()) return std::nullopt;
  return std::string(target->as_string());
}

}  // namespace

void Subscription::finish() {
  raw = attribute("RawMessageDelivery") == "true";
  dead_letter_arn = dead_letter_target(attribute("RedrivePolicy")).value_or(std::string());
  filter.reset();
  auto policy = attribute("FilterPolicy");
  if (!policy.empty()) {
    auto scope = FilterPolicy::parse_scope(attribute("FilterPolicyScope"))
                     .value_or(FilterPolicy::Scope::MessageAttributes);
    auto parsed = FilterPolicy::parse(policy, scope);
    if (auto* p = std::get_if<FilterPolicy>(&parsed)) filter = std::move(*p);
  }
}

json::object Subscription::to_record() const {
  json::object attrs;
  for (const auto& [k, v] : attributes) attrs[k] = v;
  return json::object{{"arn", arn},
                      {"topic_arn", topic_arn},
                      {"owner", owner},
                      {"protocol", protocol},
                      {"endpoint", endpoint},
                      {"confirmed", confirmed},
                      {"token", token},
                      {"token_expires_ms", token_expires_ms},
                      {"confirmation_authenticated", confirmation_authenticated},
                      {"authenticate_on_unsubscribe", authenticate_on_unsubscribe},
                      {"service_url", service_url},
                      {"attributes", std::move(attrs)},
                      {"created_ms", created_ms}};
}

Subscription Subscription::from_record(const json::object& r) {
  Subscription s;
  s.arn = std::string(r.at("arn").as_string());
  s.topic_arn = std::string(r.at("topic_arn").as_string());
  s.owner = std::string(r.at("owner").as_string());
  s.protocol = std::string(r.at("protocol").as_string());
  s.endpoint = std::string(r.at("endpoint").as_string());
  s.confirmed = r.at("confirmed").as_bool();
  s.token = std::string(r.at("token").as_string());
  s.token_expires_ms = r.at("token_expires_ms").to_number<std::int64_t>();
  s.confirmation_authenticated = r.at("confirmation_authenticated").as_bool();
  s.authenticate_on_unsubscribe = r.at("authenticate_on_unsubscribe").as_bool();
  s.service_url = std::string(r.at("service_url").as_string());
  for (const auto& [k, v] : r.at("attributes").as_object())
    s.attributes[std::string(k)] = std::string(v.as_string());
  s.created_ms = r.at("created_ms").to_number<std::int64_t>();
  s.finish();
  return s;
}

bool is_known_protocol(std::string_view protocol) {
  for (std::string_view p :
       {"http", "https", "email", "email-json", "sms", "sqs", "application", "lambda", "firehose"}) {
    if (protocol == p) return true;
  }
  return false;
}

bool is_delivered_protocol(std::string_view protocol) {
  return protocol == "sqs" || protocol == "http" || protocol == "https" || protocol == "firehose";
}

std::string validate_subscription_attribute(std::string_view name, std::string_view value,
                                            std::string_view protocol, bool topic_fifo, bool subscribing,
                                            std::string_view filter_scope) {
  auto fail = [&](std::string_view reason) {
    return subscribing ? errors::invalid_parameter("Attributes Reason: " + std::string(reason))
                       : errors::invalid_parameter(std::string(reason));
  };
  if (name == "RawMessageDelivery") {
    std::string lower(value);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    if (lower != "true" && lower != "false")
      throw fail("RawMessageDelivery: Invalid value [" + std::string(value) + "]. Must be true or false.");
    if (protocol != "sqs" && protocol != "http" && protocol != "https" && protocol != "firehose") {
      throw fail("Delivery protocol [" + std::string(protocol) + "] does not support raw message delivery.");
    }
    return lower;
  }
  if (name == "FilterPolicy") {
    if (value.empty()) return {};
    auto scope = FilterPolicy::parse_scope(filter_scope.empty() ? "MessageAttributes" : filter_scope)
                     .value_or(FilterPolicy::Scope::MessageAttributes);
    auto parsed = FilterPolicy::parse(value, scope);
    if (auto* error = std::get_if<FilterPolicyError>(&parsed)) {
      if (subscribing) throw errors::invalid_parameter("Attributes Reason: " + error->reason);
      throw SnsError("InvalidParameterException", error->message, 400);
    }
    return std::string(value);
  }
  if (name == "FilterPolicyScope") {
    if (!FilterPolicy::parse_scope(value)) {
      throw fail("FilterPolicyScope: Invalid value [" + std::string(value) +
                 "]. Please use either MessageBody or MessageAttributes");
    }
    return std::string(value);
  }
  if (name == "DeliveryPolicy") {
    if (protocol != "http" && protocol != "https") {
      throw fail("DeliveryPolicy: Delivery protocol [" + std::string(protocol) +
                 "] does not support delivery policies");
    }
    try {
      parse_subscription_delivery_policy(value);
    } catch (const SnsError& error) {
      if (!subscribing) throw;
      throw errors::invalid_parameter("Attributes Reason: " + error.error().message.substr(19));
    }
    return std::string(value);
  }
  if (name == "RedrivePolicy") {
    if (value.empty()) return {};
    boost::system::error_code ec;
    auto v = json::parse(value, ec);
    if (ec || !v.is_object()) throw fail("RedrivePolicy: Invalid RedrivePolicy: must be a JSON object");
    const auto* target = v.as_object().if_contains("deadLetterTargetArn");
    if (!target || !target->is_string()) throw fail("RedrivePolicy: deadLetterTargetArn is missing");
    auto queue = parse_queue_arn(target->as_string());
    if (!queue) throw fail("RedrivePolicy: deadLetterTargetArn is an invalid arn");
    if (topic_fifo && !queue->fifo()) {
      throw fail("RedrivePolicy: must use a FIFO queue as DLQ for a FIFO Subscription to a FIFO Topic.");
    }
    if (!topic_fifo && queue->fifo()) {
      throw fail("RedrivePolicy: must use a standard queue as DLQ for a subscription to a standard topic.");
    }
    return std::string(value);
  }
  if (name == "SubscriptionRoleArn") {
    if (protocol != "firehose") throw fail("SubscriptionRoleArn: only firehose subscriptions use a role");
    if (!is_iam_role_arn(value)) throw fail("SubscriptionRoleArn: Invalid ARN");
    return std::string(value);
  }
  if (name == "ReplayPolicy") {
    throw fail("ReplayPolicy: fanoutd does not support message archiving and replay");
  }
  throw subscribing ? errors::invalid_parameter("Attributes Reason: Unknown attribute " + std::string(name))
                    : errors::invalid_parameter("AttributeName");
}

}  // namespace fanout::services::sns
