// AWS::SQS::QueuePolicy: sets the Policy attribute of each queue in Queues (URLs); Ref is a
// generated id, as on AWS.
#include <boost/json/serialize.hpp>
#include <set>

#include "services/cloudformation/intrinsics.h"
#include "services/cloudformation/providers.h"

namespace fanout::services::cloudformation {
namespace json = boost::json;

namespace {

std::set<std::string> queue_urls(const json::object& properties) {
  std::set<std::string> urls;
  if (const auto* list = properties.if_contains("Queues"); list && list->is_array()) {
    for (const auto& url : list->as_array()) urls.insert(scalar_text(url));
  }
  return urls;
}

std::string policy_text(const json::object& properties) {
  const auto* doc = properties.if_contains("PolicyDocument");
  if (!doc) return {};
  return doc->is_string() ? std::string(doc->as_string()) : json::serialize(*doc);
}

class SqsQueuePolicyProvider final : public ResourceProvider {
 public:
  ProvisionResult create(const ResourceRequest& request, const json::object& properties) override {
    if (!properties.contains("PolicyDocument") || queue_urls(properties).empty()) {
      return std::string("Properties validation failed for resource " + request.logical_id +
                         " with message: #: required key [" +
                         (properties.contains("PolicyDocument") ? "Queues" : "PolicyDocument") +
                         "] not found");
    }
    if (auto failure = apply(request, queue_urls(properties), policy_text(properties))) return *failure;
    ProvisionedResource r;
    r.physical_id = generated_name(request.stack_name, request.logical_id, 128);
    r.ref = json::string(r.physical_id);
    r.attributes = {{"Id", r.physical_id}};
    return r;
  }

  bool needs_replacement(const json::object&, const json::object&) const override { return false; }

  ProvisionResult update(const ResourceRequest& request, const ProvisionedResource& current,
                         const json::object& before, const json::object& after) override {
    auto now = queue_urls(after);
    if (auto failure = apply(request, now, policy_text(after))) return *failure;
    std::set<std::string> dropped;
    for (const auto& url : queue_urls(before)) {
      if (!now.contains(url)) dropped.insert(url);
    }
    apply(request, dropped, "");
    return current;
  }

  std::optional<std::string> remove(const ResourceRequest& request, const ProvisionedResource&,
                                    const json::object& properties) override {
    apply(request, queue_urls(properties), "");
    return std::nullopt;
  }

  static std::optional<std::string> apply(const ResourceRequest& request, const std::set<std::string>& urls,
                                          const std::string& policy) {
    for (const auto& url : urls) {
      auto result = request.services.call(
          "sqs", "SetQueueAttributes",
          json::object{{"QueueUrl", url}, {"Attributes", json::object{{"Policy", policy}}}});
      if (auto* error = std::get_if<protocol::ServiceError>(&result)) {
        if (policy.empty()) continue;  // clearing a policy of a queue that is gone
        return handler_failure(*error);
      }
    }
    return std::nullopt;
  }
};

}  // namespace

std::unique_ptr<ResourceProvider> make_sqs_queue_policy_provider() {
  return std::make_unique<SqsQueuePolicyProvider>();
}

}  // namespace fanout::services::cloudformation
