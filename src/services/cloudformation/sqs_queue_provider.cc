// AWS::SQS::Queue: Ref is the queue URL; Arn, QueueName and QueueUrl attributes.
#include <boost/json/serialize.hpp>

#include "services/cloudformation/intrinsics.h"
#include "services/cloudformation/providers.h"

namespace fanout::services::cloudformation {
namespace json = boost::json;

namespace {

// Template properties that are SQS queue attributes, with SQS's default for when one is removed.
const std::vector<std::pair<std::string, std::string>>& attribute_defaults() {
  static const std::vector<std::pair<std::string, std::string>> defaults = {
      {"ContentBasedDeduplication", "false"},
      {"DeduplicationScope", ""},
      {"DelaySeconds", "0"},
      {"FifoThroughputLimit", ""},
      {"KmsDataKeyReusePeriodSeconds", "300"},
      {"KmsMasterKeyId", ""},
      {"MaximumMessageSize", "262144"},
      {"MessageRetentionPeriod", "345600"},
      {"ReceiveMessageWaitTimeSeconds", "0"},
      {"RedriveAllowPolicy", ""},
      {"RedrivePolicy", ""},
      {"SqsManagedSseEnabled", "true"},
      {"VisibilityTimeout", "30"},
  };
  return defaults;
}

class SqsQueueProvider final : public ResourceProvider {
 public:
  ProvisionResult create(const ResourceRequest& request, const json::object& properties) override {
    bool fifo = text_property(properties, "FifoQueue") == "true";
    std::string name = text_property(properties, "QueueName");
    bool named = !name.empty();
    if (!named) name = generated_name(request.stack_name, request.logical_id, 80, fifo ? ".fifo" : "");
    if (named) {
      auto existing = request.services.call("sqs", "GetQueueUrl", json::object{{"QueueName", name}});
      if (std::holds_alternative<json::object>(existing)) {
        return "Resource of type 'AWS::SQS::Queue' with identifier '" + name + "' already exists.";
      }
    }
    json::object attributes;
    if (fifo) attributes["FifoQueue"] = "true";
    for (const auto& [key, fallback] : attribute_defaults()) {
      if (const auto* v = properties.if_contains(key)) attributes[key] = scalar_text(*v);
    }
    json::object input{{"QueueName", name}, {"Attributes", attributes}};
    if (auto tags = tag_map(properties); !tags.empty()) input["tags"] = tags;
    auto created = request.services.call("sqs", "CreateQueue", std::move(input));
    if (auto* error = std::get_if<protocol::ServiceError>(&created)) return handler_failure(*error);
    std::string url(std::get<json::object>(created).at("QueueUrl").as_string());
    return describe(request, url, name);
  }

  // A named queue created since the create began (CreatedTimestamp has whole seconds), so never a
  // queue that existed before (create() refuses those).
  std::optional<ProvisionedResource> find_interrupted_create(const ResourceRequest& request,
                                                             const json::object& properties,
                                                             double started) override {
    const std::string name = text_property(properties, "QueueName");
    if (name.empty()) return std::nullopt;
    auto found = request.services.call("sqs", "GetQueueUrl", json::object{{"QueueName", name}});
    const auto* located = std::get_if<json::object>(&found);
    if (located == nullptr) return std::nullopt;
    const std::string url(located->at("QueueUrl").as_string());
    auto attrs = request.services.call(
        "sqs", "GetQueueAttributes",
        json::object{{"QueueUrl", url}, {"AttributeNames", json::array{"CreatedTimestamp"}}});
    const auto* answered = std::get_if<json::object>(&attrs);
    if (answered == nullptr) return std::nullopt;
    const auto& created = answered->at("Attributes").as_object().at("CreatedTimestamp").as_string();
    if (std::stod(std::string(created)) + 1 < started) return std::nullopt;
    auto described = describe(request, url, name);
    if (auto* resource = std::get_if<ProvisionedResource>(&described)) return *resource;
    return std::nullopt;
  }

  bool needs_replacement(const json::object& before, const json::object& after) const override {
    return changed(before, after, "QueueName") || changed(before, after, "FifoQueue");
  }

  ProvisionResult update(const ResourceRequest& request, const ProvisionedResource& current,
                         const json::object& before, const json::object& after) override {
    std::string url(current.ref.as_string());
    json::object attributes;
    for (const auto& [key, fallback] : attribute_defaults()) {
      if (!changed(before, after, key)) continue;
      if (const auto* v = after.if_contains(key))
        attributes[key] = scalar_text(*v);
      else
        attributes[key] = fallback;
    }
    if (!attributes.empty()) {
      auto result = request.services.call("sqs", "SetQueueAttributes",
                                          json::object{{"QueueUrl", url}, {"Attributes", attributes}});
      if (auto* error = std::get_if<protocol::ServiceError>(&result)) return handler_failure(*error);
    }
    if (changed(before, after, "Tags")) {
      auto old_tags = tag_map(before);
      auto new_tags = tag_map(after);
      json::array removed;
      for (const auto& [key, value] : old_tags) {
        if (!new_tags.contains(key)) removed.push_back(json::string(key));
      }
      if (!removed.empty())
        request.services.call("sqs", "UntagQueue", json::object{{"QueueUrl", url}, {"TagKeys", removed}});
      if (!new_tags.empty()) {
        auto result =
            request.services.call("sqs", "TagQueue", json::object{{"QueueUrl", url}, {"Tags", new_tags}});
        if (auto* error = std::get_if<protocol::ServiceError>(&result)) return handler_failure(*error);
      }
    }
    return current;
  }

  std::optional<std::string> remove(const ResourceRequest& request, const ProvisionedResource& current,
                                    const json::object&) override {
    auto result = request.services.call("sqs", "DeleteQueue", json::object{{"QueueUrl", current.ref}});
    if (auto* error = std::get_if<protocol::ServiceError>(&result)) {
      if (error->code.find("NonExistentQueue") != std::string::npos || error->code == "QueueDoesNotExist")
        return std::nullopt;
      return handler_failure(*error);
    }
    return std::nullopt;
  }

 private:
  static json::object tag_map(const json::object& properties) {
    json::object tags;
    if (const auto* list = properties.if_contains("Tags"); list && list->is_array()) {
      for (const auto& tag : list->as_array()) {
        if (!tag.is_object()) continue;
        tags[text_property(tag.as_object(), "Key")] = text_property(tag.as_object(), "Value");
      }
    }
    return tags;
  }

  static ProvisionResult describe(const ResourceRequest& request, const std::string& url,
                                  const std::string& name) {
    auto attrs =
        request.services.call("sqs", "GetQueueAttributes",
                              json::object{{"QueueUrl", url}, {"AttributeNames", json::array{"QueueArn"}}});
    if (auto* error = std::get_if<protocol::ServiceError>(&attrs)) return handler_failure(*error);
    const auto& map = std::get<json::object>(attrs).at("Attributes").as_object();
    std::string arn(map.at("QueueArn").as_string());
    ProvisionedResource r;
    r.physical_id = url;
    r.ref = json::string(url);
    r.attributes = {{"Arn", arn}, {"QueueName", name}, {"QueueUrl", url}};
    return r;
  }
};

}  // namespace

std::unique_ptr<ResourceProvider> make_sqs_queue_provider() { return std::make_unique<SqsQueueProvider>(); }

}  // namespace fanout::services::cloudformation
