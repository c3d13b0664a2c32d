// AWS::SNS::Topic: Ref is the topic ARN; TopicArn and TopicName attributes. The inline
// Subscription property subscribes each {Endpoint, Protocol}.
#include <boost/json/serialize.hpp>

#include "services/cloudformation/intrinsics.h"
#include "services/cloudformation/providers.h"

namespace fanout::services::cloudformation {
namespace json = boost::json;

namespace {

// Topic properties that are SNS topic attributes (set in CreateTopic, changed by SetTopicAttributes).
constexpr std::string_view kAttributes[] = {
    "DisplayName",   "KmsMasterKeyId", "ContentBasedDeduplication", "SignatureVersion",
    "TracingConfig", "ArchivePolicy",  "DeliveryStatusLogging"};

std::vector<std::pair<std::string, std::string>> inline_subscriptions(const json::object& properties) {
  std::vector<std::pair<std::string, std::string>> subs;
  if (const auto* list = properties.if_contains("Subscription"); list && list->is_array()) {
    for (const auto& s : list->as_array()) {
      if (!s.is_object()) continue;
      subs.emplace_back(text_property(s.as_object(), "Protocol"), text_property(s.as_object(), "Endpoint"));
    }
  }
  return subs;
}

class SnsTopicProvider final : public ResourceProvider {
 public:
  ProvisionResult create(const ResourceRequest& request, const json::object& properties) override {
    bool fifo = text_property(properties, "FifoTopic") == "true";
    std::string name = text_property(properties, "TopicName");
    if (name.empty()) name = generated_name(request.stack_name, request.logical_id, 256, fifo ? ".fifo" : "");
    json::object attributes;
    if (fifo) attributes["FifoTopic"] = "true";
    for (auto key : kAttributes) {
      if (const auto* v = properties.if_contains(key)) attributes[key] = scalar_text(*v);
    }
    json::object input{{"Name", name}};
    if (!attributes.empty()) input["Attributes"] = attributes;
    if (const auto* tags = properties.if_contains("Tags");
        tags && tags->is_array() && !tags->as_array().empty()) {
      input["Tags"] = *tags;
    }
    if (text_property(properties, "TopicName").size()) {
      // CloudFormation refuses to adopt an existing topic of the same name.
      auto existing = request.services.call("sns", "GetTopicAttributes",
                                            json::object{{"TopicArn", "arn:aws:sns:" + request.region + ":" +
                                                                          request.account_id + ":" + name}});
      if (std::holds_alternative<json::object>(existing)) {
        return "Resource of type 'AWS::SNS::Topic' with identifier '" + name + "' already exists.";
      }
    }
    auto created = request.services.call("sns", "CreateTopic", std::move(input));
    if (auto* error = std::get_if<protocol::ServiceError>(&created)) return handler_failure(*error);
    std::string arn(std::get<json::object>(created).at("TopicArn").as_string());
    for (const auto& [protocol_name, endpoint] : inline_subscriptions(properties)) {
      auto sub = request.services.call(
          "sns", "Subscribe",
          json::object{{"TopicArn", arn}, {"Protocol", protocol_name}, {"Endpoint", endpoint}});
      if (auto* error = std::get_if<protocol::ServiceError>(&sub)) {
        request.services.call("sns", "DeleteTopic", json::object{{"TopicArn", arn}});
        return handler_failure(*error);
      }
    }
    ProvisionedResource r;
    r.physical_id = arn;
    r.ref = json::string(arn);
    r.attributes = {{"TopicArn", arn}, {"TopicName", name}};
    return r;
  }

  bool needs_replacement(const json::object& before, const json::object& after) const override {
    return changed(before, after, "TopicName") || changed(before, after, "FifoTopic");
  }

  ProvisionResult update(const ResourceRequest& request, const ProvisionedResource& current,
                         const json::object& before, const json::object& after) override {
    std::string arn(current.ref.as_string());
    for (auto key : kAttributes) {
      if (!changed(before, after, key)) continue;
      const auto* v = after.if_contains(key);
      auto result =
          request.services.call("sns", "SetTopicAttributes",
                                json::object{{"TopicArn", arn},
                                             {"AttributeName", key},
                                             {"AttributeValue", v ? scalar_text(*v) : std::string()}});
      if (auto* error = std::get_if<protocol::ServiceError>(&result)) return handler_failure(*error);
    }
    if (changed(before, after, "Subscription")) {
      auto old_subs = inline_subscriptions(before);
      auto new_subs = inline_subscriptions(after);
      auto listed = request.services.call("sns", "ListSubscriptionsByTopic", json::object{{"TopicArn", arn}});
      if (auto* subs = std::get_if<json::object>(&listed)) {
        for (const auto& s : subs->at("Subscriptions").as_array()) {
          const auto& o = s.as_object();
          std::pair<std::string, std::string> key{text_property(o, "Protocol"), text_property(o, "Endpoint")};
          bool was = std::find(old_subs.begin(), old_subs.end(), key) != old_subs.end();
          bool is = std::find(new_subs.begin(), new_subs.end(), key) != new_subs.end();
          if (was && !is) {
            request.services.call("sns", "Unsubscribe",
                                  json::object{{"SubscriptionArn", o.at("SubscriptionArn")}});
          }
        }
      }
      for (const auto& [protocol_name, endpoint] : new_subs) {
        if (std::find(old_subs.begin(), old_subs.end(), std::pair{protocol_name, endpoint}) != old_subs.end())
          continue;
        auto sub = request.services.call(
            "sns", "Subscribe",
            json::object{{"TopicArn", arn}, {"Protocol", protocol_name}, {"Endpoint", endpoint}});
        if (auto* error = std::get_if<protocol::ServiceError>(&sub)) return handler_failure(*error);
      }
    }
    return current;
  }

  std::optional<std::string> remove(const ResourceRequest& request, const ProvisionedResource& current,
                                    const json::object&) override {
    auto result = request.services.call("sns", "DeleteTopic", json::object{{"TopicArn", current.ref}});
    if (auto* error = std::get_if<protocol::ServiceError>(&result); error && error->code != "NotFound") {
      return handler_failure(*error);
    }
    return std::nullopt;
  }
};

}  // namespace

std::unique_ptr<ResourceProvider> make_sns_topic_provider() { return std::make_unique<SnsTopicProvider>(); }

}  // namespace fanout::services::cloudformation
