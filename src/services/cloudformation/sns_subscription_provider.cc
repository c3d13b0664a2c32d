// AWS::SNS::Subscription: Ref is the subscription ARN. Endpoint, Protocol and TopicArn changes
// replace the subscription; the attributes change in place.
#include <boost/json/serialize.hpp>

#include "services/cloudformation/intrinsics.h"
#include "services/cloudformation/providers.h"

namespace fanout::services::cloudformation {
namespace json = boost::json;

namespace {

// Subscription properties that are subscription attributes, and their value when removed.
const std::vector<std::pair<std::string, std::string>>& attribute_defaults() {
  static const std::vector<std::pair<std::string, std::string>> attributes = {
      {"DeliveryPolicy", ""},
      {"FilterPolicy", ""},
      {"FilterPolicyScope", "MessageAttributes"},
      {"RawMessageDelivery", "false"},
      {"RedrivePolicy", ""},
      {"SubscriptionRoleArn", ""},
      {"ReplayPolicy", ""},
  };
  return attributes;
}

class SnsSubscriptionProvider final : public ResourceProvider {
 public:
  ProvisionResult create(const ResourceRequest& request, const json::object& properties) override {
    for (const char* key : {"Protocol", "TopicArn"}) {
      if (!properties.contains(key)) {
        return "Properties validation failed for resource " + request.logical_id +
               " with message: #: required key [" + key + "] not found";
      }
    }
    json::object attributes;
    for (const auto& [key, fallback] : attribute_defaults()) {
      if (const auto* v = properties.if_contains(key)) attributes[key] = scalar_text(*v);
    }
    json::object input{{"TopicArn", text_property(properties, "TopicArn")},
                       {"Protocol", text_property(properties, "Protocol")},
                       {"ReturnSubscriptionArn", true}};
    if (properties.contains("Endpoint")) input["Endpoint"] = text_property(properties, "Endpoint");
    if (!attributes.empty()) input["Attributes"] = attributes;
    auto result = request.services.call("sns", "Subscribe", std::move(input));
    if (auto* error = std::get_if<protocol::ServiceError>(&result)) return handler_failure(*error);
    std::string arn(std::get<json::object>(result).at("SubscriptionArn").as_string());
    ProvisionedResource r;
    r.physical_id = arn;
    r.ref = json::string(arn);
    return r;
  }

  bool needs_replacement(const json::object& before, const json::object& after) const override {
    return changed(before, after, "Endpoint") || changed(before, after, "Protocol") ||
           changed(before, after, "TopicArn") || changed(before, after, "Region");
  }

  ProvisionResult update(const ResourceRequest& request, const ProvisionedResource& current,
                         const json::object& before, const json::object& after) override {
    for (const auto& [key, fallback] : attribute_defaults()) {
      if (!changed(before, after, key)) continue;
      const auto* v = after.if_contains(key);
      auto result = request.services.call("sns", "SetSubscriptionAttributes",
                                          json::object{{"SubscriptionArn", current.physical_id},
                                                       {"AttributeName", key},
                                                       {"AttributeValue", v ? scalar_text(*v) : fallback}});
      if (auto* error = std::get_if<protocol::ServiceError>(&result)) return handler_failure(*error);
    }
    return current;
  }

  std::optional<std::string> remove(const ResourceRequest& request, const ProvisionedResource& current,
                                    const json::object&) override {
    auto result =
        request.services.call("sns", "Unsubscribe", json::object{{"SubscriptionArn", current.physical_id}});
    if (auto* error = std::get_if<protocol::ServiceError>(&result); error && error->code != "NotFound") {
      return handler_failure(*error);
    }
    return std::nullopt;
  }
};

}  // namespace

std::unique_ptr<ResourceProvider> make_sns_subscription_provider() {
  return std::make_unique<SnsSubscriptionProvider>();
}

}  // namespace fanout::services::cloudformation
