// AWS::KinesisFirehose::DeliveryStream: Ref is the stream name; Arn attribute. Destination
// changes apply in place through UpdateDestination, as on AWS.
#include <chrono>
#include <thread>

#include "services/cloudformation/intrinsics.h"
#include "services/cloudformation/providers.h"

namespace fanout::services::cloudformation {
namespace json = boost::json;

namespace {

constexpr std::string_view kDestinations[] = {"ExtendedS3DestinationConfiguration",
                                              "S3DestinationConfiguration"};

class FirehoseStreamProvider final : public ResourceProvider {
 public:
  ProvisionResult create(const ResourceRequest& request, const json::object& properties) override {
    std::string name = text_property(properties, "DeliveryStreamName");
    if (name.empty()) name = generated_name(request.stack_name, request.logical_id, 64);
    json::object input{{"DeliveryStreamName", name}};
    for (std::string_view key :
         {"DeliveryStreamType", "ExtendedS3DestinationConfiguration", "S3DestinationConfiguration",
          "DeliveryStreamEncryptionConfigurationInput", "Tags"}) {
      if (const auto* v = properties.if_contains(key)) input[key] = *v;
    }
    auto created = request.services.call("firehose", "CreateDeliveryStream", std::move(input));
    if (auto* error = std::get_if<protocol::ServiceError>(&created)) return handler_failure(*error);
    // CloudFormation reports the stream created once it is ACTIVE.
    for (int attempt = 0; attempt < 300; ++attempt) {
      auto described = describe(request, name);
      if (auto* error = std::get_if<protocol::ServiceError>(&described)) return handler_failure(*error);
      const auto& d = std::get<json::object>(described).at("DeliveryStreamDescription").as_object();
      auto status = text_property(d, "DeliveryStreamStatus");
      if (status == "ACTIVE") {
        ProvisionedResource r;
        r.physical_id = name;
        r.ref = json::string(name);
        r.attributes = {{"Arn", d.at("DeliveryStreamARN")}};
        return r;
      }
      if (status != "CREATING")
        return std::string("Delivery stream ").append(name).append(" is ").append(status);
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return "Delivery stream " + name + " did not become ACTIVE";
  }

  bool needs_replacement(const json::object& before, const json::object& after) const override {
    if (changed(before, after, "DeliveryStreamName") || changed(before, after, "DeliveryStreamType") ||
        changed(before, after, "KinesisStreamSourceConfiguration")) {
      return true;
    }
    // Switching between destination kinds replaces the stream.
    for (auto key : kDestinations) {
      if (before.contains(key) != after.contains(key)) return true;
    }
    return false;
  }

  ProvisionResult update(const ResourceRequest& request, const ProvisionedResource& current,
                         const json::object& before, const json::object& after) override {
    for (auto key : kDestinations) {
      if (!changed(before, after, key) || !after.contains(key)) continue;
      auto described = describe(request, current.physical_id);
      if (auto* error = std::get_if<protocol::ServiceError>(&described)) return handler_failure(*error);
      const auto& d = std::get<json::object>(described).at("DeliveryStreamDescription").as_object();
      const auto& destinations = d.at("Destinations").as_array();
      if (destinations.empty()) return std::string("Delivery stream has no destination");
      json::object input{{"DeliveryStreamName", current.physical_id},
                         {"CurrentDeliveryStreamVersionId", d.at("VersionId")},
                         {"DestinationId", destinations[0].as_object().at("DestinationId")}};
      auto update = after.at(key);
      if (update.is_object()) update.as_object().erase("S3BackupConfiguration");  // not updatable in place
      input[key == "S3DestinationConfiguration" ? "S3DestinationUpdate" : "ExtendedS3DestinationUpdate"] =
          update;
      auto result = request.services.call("firehose", "UpdateDestination", std::move(input));
      if (auto* error = std::get_if<protocol::ServiceError>(&result)) return handler_failure(*error);
    }
    return current;
  }

  std::optional<std::string> remove(const ResourceRequest& request, const ProvisionedResource& current,
                                    const json::object&) override {
    auto result = request.services.call("firehose", "DeleteDeliveryStream",
                                        json::object{{"DeliveryStreamName", current.physical_id}});
    if (auto* error = std::get_if<protocol::ServiceError>(&result);
        error && error->code != "ResourceNotFoundException") {
      return handler_failure(*error);
    }
    return std::nullopt;
  }

 private:
  static protocol::OperationResult describe(const ResourceRequest& request, const std::string& name) {
    return request.services.call("firehose", "DescribeDeliveryStream",
                                 json::object{{"DeliveryStreamName", name}});
  }
};

}  // namespace

std::unique_ptr<ResourceProvider> make_firehose_stream_provider() {
  return std::make_unique<FirehoseStreamProvider>();
}

}  // namespace fanout::services::cloudformation
