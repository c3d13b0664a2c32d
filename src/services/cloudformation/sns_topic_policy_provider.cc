// AWS::SNS::TopicPolicy: sets the Policy attribute of each topic in Topics; deleting it restores
// the topic's default policy, as AWS does.
#include <boost/json/serialize.hpp>
#include <set>

#include "services/cloudformation/intrinsics.h"
#include "services/cloudformation/providers.h"

namespace fanout::services::cloudformation {
namespace json = boost::json;

namespace {

std::set<std::string> topic_arns(const json::object& properties) {
  std::set<std::string> arns;
  if (const auto* list = properties.if_contains("Topics"); list && list->is_array()) {
    for (const auto& arn : list->as_array()) arns.insert(scalar_text(arn));
  }
  return arns;
}

// SNS's default topic policy: the owner account may do everything.
std::string default_policy(const std::string& arn) {
  auto parts = arn.substr(0, arn.rfind(':'));
  std::string account = parts.substr(parts.rfind(':') + 1);
  json::object statement{
      {"Sid", "__default_statement_ID"},
      {"Effect", "Allow"},
      {"Principal", json::object{{"AWS", "*"}}},
      {"Action", json::array{"SNS:GetTopicAttributes", "SNS:SetTopicAttributes", "SNS:AddPermission",
                             "SNS:RemovePermission", "SNS:DeleteTopic", "SNS:Subscribe",
                             "SNS:ListSubscriptionsByTopic", "SNS:Publish"}},
      {"Resource", arn},
      {"Condition", json::object{{"StringEquals", json::object{{"AWS:SourceOwner", account}}}}}};
  return json::serialize(json::object{
      {"Version", "2008-10-17"}, {"Id", "__default_policy_ID"}, {"Statement", json::array{statement}}});
}

class SnsTopicPolicyProvider final : public ResourceProvider {
 public:
  ProvisionResult create(const ResourceRequest& request, const json::object& properties) override {
    if (!properties.contains("PolicyDocument") || topic_arns(properties).empty()) {
      return "Properties validation failed for resource " + request.logical_id +
             " with message: #: required key [" +
             (properties.contains("PolicyDocument") ? "Topics" : "PolicyDocument") + "] not found";
    }
    for (const auto& arn : topic_arns(properties)) {
      if (auto failure = set_policy(request, arn, policy_text(properties))) return *failure;
    }
    ProvisionedResource r;
    r.physical_id = generated_name(request.stack_name, request.logical_id, 128);
    r.ref = json::string(r.physical_id);
    r.attributes = {{"Id", r.physical_id}};
    return r;
  }

  bool needs_replacement(const json::object&, const json::object&) const override { return false; }

  ProvisionResult update(const ResourceRequest& request, const ProvisionedResource& current,
                         const json::object& before, const json::object& after) override {
    auto now = topic_arns(after);
    for (const auto& arn : now) {
      if (auto failure = set_policy(request, arn, policy_text(after))) return *failure;
    }
    for (const auto& arn : topic_arns(before)) {
      if (!now.contains(arn)) set_policy(request, arn, default_policy(arn));
    }
    return current;
  }

  std::optional<std::string> remove(const ResourceRequest& request, const ProvisionedResource&,
                                    const json::object& properties) override {
    for (const auto& arn : topic_arns(properties)) set_policy(request, arn, default_policy(arn));
    return std::nullopt;
  }

 private:
  static std::string policy_text(const json::object& properties) {
    const auto& doc = properties.at("PolicyDocument");
    return doc.is_string() ? std::string(doc.as_string()) : json::serialize(doc);
  }

  static std::optional<std::string> set_policy(const ResourceRequest& request, const std::string& arn,
                                               const std::string& policy) {
    auto result = request.services.call(
        "sns", "SetTopicAttributes",
        json::object{{"TopicArn", arn}, {"AttributeName", "Policy"}, {"AttributeValue", policy}});
    if (auto* error = std::get_if<protocol::ServiceError>(&result)) return handler_failure(*error);
    return std::nullopt;
  }
};

}  // namespace

std::unique_ptr<ResourceProvider> make_sns_topic_policy_provider() {
  return std::make_unique<SnsTopicPolicyProvider>();
}

}  // namespace fanout::services::cloudformation
