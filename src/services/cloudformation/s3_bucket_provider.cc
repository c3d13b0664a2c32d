// AWS::S3::Bucket and AWS::S3::BucketPolicy, through the S3 engine's in-process bucket API.
#include <boost/json/serialize.hpp>

#include "services/cloudformation/intrinsics.h"
#include "services/cloudformation/providers.h"

namespace fanout::services::cloudformation {
namespace json = boost::json;

namespace {

constexpr const char* kNoS3 = "fanoutd's S3 engine is not available, so AWS::S3::Bucket cannot be provided";

class S3BucketProvider final : public ResourceProvider {
 public:
  ProvisionResult create(const ResourceRequest& request, const json::object& properties) override {
    auto* buckets = request.services.buckets();
    if (!buckets) return std::string(kNoS3);
    std::string name = text_property(properties, "BucketName");
    if (name.empty()) name = generated_name(request.stack_name, request.logical_id, 63, "", true);
    if (buckets->bucket_exists(request.account_id, name)) {
      return name + " already exists";
    }
    if (auto error = buckets->create_bucket(request.account_id, name, request.region))
      return handler_failure(*error);
    ProvisionedResource r;
    r.physical_id = name;
    r.ref = json::string(name);
    r.attributes = {{"Arn", "arn:aws:s3:::" + name},
                    {"DomainName", name + ".s3.amazonaws.com"},
                    {"RegionalDomainName", name + ".s3." + request.region + ".amazonaws.com"},
                    {"DualStackDomainName", name + ".s3.dualstack." + request.region + ".amazonaws.com"},
                    {"WebsiteURL", "http://" + name + ".s3-website-" + request.region + ".amazonaws.com"}};
    return r;
  }

  bool needs_replacement(const json::object& before, const json::object& after) const override {
    return changed(before, after, "BucketName");
  }

  ProvisionResult update(const ResourceRequest&, const ProvisionedResource& current, const json::object&,
                         const json::object&) override {
    return current;  // tags and configuration other than the name are recorded, not applied
  }

  std::optional<std::string> remove(const ResourceRequest& request, const ProvisionedResource& current,
                                    const json::object&) override {
    auto* buckets = request.services.buckets();
    if (!buckets) return std::string(kNoS3);
    if (!buckets->bucket_exists(request.account_id, current.physical_id)) return std::nullopt;
    if (auto error = buckets->delete_bucket(request.account_id, current.physical_id))
      return handler_failure(*error);
    return std::nullopt;
  }
};

class S3BucketPolicyProvider final : public ResourceProvider {
 public:
  ProvisionResult create(const ResourceRequest& request, const json::object& properties) override {
    auto* buckets = request.services.buckets();
    if (!buckets) return std::string(kNoS3);
    std::string bucket = text_property(properties, "Bucket");
    const auto* doc = properties.if_contains("PolicyDocument");
    if (bucket.empty() || !doc) {
      return "Properties validation failed for resource " + request.logical_id +
             " with message: #: required key [" + (bucket.empty() ? "Bucket" : "PolicyDocument") +
             "] not found";
    }
    std::string policy = doc->is_string() ? std::string(doc->as_string()) : json::serialize(*doc);
    if (auto error = buckets->put_bucket_policy(request.account_id, bucket, policy))
      return handler_failure(*error);
    ProvisionedResource r;
    r.physical_id = bucket;
    r.ref = json::string(bucket);
    return r;
  }

  bool needs_replacement(const json::object& before, const json::object& after) const override {
    return changed(before, after, "Bucket");
  }

  ProvisionResult update(const ResourceRequest& request, const ProvisionedResource&, const json::object&,
                         const json::object& after) override {
    return create(request, after);
  }

  std::optional<std::string> remove(const ResourceRequest& request, const ProvisionedResource& current,
                                    const json::object&) override {
    auto* buckets = request.services.buckets();
    if (buckets && buckets->bucket_exists(request.account_id, current.physical_id)) {
      buckets->put_bucket_policy(request.account_id, current.physical_id, "");
    }
    return std::nullopt;
  }
};

}  // namespace

std::unique_ptr<ResourceProvider> make_s3_bucket_provider() { return std::make_unique<S3BucketProvider>(); }
std::unique_ptr<ResourceProvider> make_s3_bucket_policy_provider() {
  return std::make_unique<S3BucketPolicyProvider>();
}

}  // namespace fanout::services::cloudformation
