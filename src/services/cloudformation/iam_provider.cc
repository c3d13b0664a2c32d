// AWS::IAM::Role, AWS::IAM::Policy and AWS::IAM::ManagedPolicy. fanoutd has no IAM service and
// does not enforce IAM: these are recorded as stack resources with AWS-shaped names, ARNs and
// ids (so templates that pass role ARNs to other resources work unchanged), their policy
// documents checked for shape only.
#include <boost/json/parse.hpp>

#include "common/crypto.h"
#include "services/cloudformation/intrinsics.h"
#include "services/cloudformation/providers.h"

namespace fanout::services::cloudformation {
namespace json = boost::json;

namespace {

std::string unique_id(const std::string& prefix) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  std::string id(prefix);
  for (unsigned char byte : crypto::random_bytes(17)) id += kAlphabet[byte % 32];
  return id;
}

// A policy document is an object (or JSON text of one) with a Statement.
bool valid_document(const json::value* doc) {
  if (!doc) return false;
  json::value value = *doc;
  if (doc->is_string()) {
    boost::system::error_code ec;
    value = json::parse(doc->as_string(), ec);
    if (ec) return false;
  }
  return value.is_object() && value.as_object().contains("Statement");
}

// arn:aws:iam::<account>:<kind><path><name>
std::string iam_arn(const std::string& account, std::string_view kind, const std::string& path,
                    const std::string& name) {
  std::string arn = "arn:aws:iam::";
  arn.append(account).append(":").append(kind).append(path).append(name);
  return arn;
}

std::string path_of(const json::object& properties) {
  auto path = text_property(properties, "Path");
  return path.empty() ? std::string(1, '/') : path;
}

class IamProvider final : public ResourceProvider {
 public:
  explicit IamProvider(std::string type) : type_(std::move(type)) {}

  ProvisionResult create(const ResourceRequest& request, const json::object& properties) override {
    const std::string path = path_of(properties);
    ProvisionedResource r;
    if (type_ == "AWS::IAM::Role") {
      if (!valid_document(properties.if_contains("AssumeRolePolicyDocument"))) {
        return invalid(request, "AssumeRolePolicyDocument");
      }
      if (auto failure = check_inline_policies(request, properties)) return *failure;
      std::string name = text_property(properties, "RoleName");
      if (name.empty()) name = generated_name(request.stack_name, request.logical_id, 64);
      r.physical_id = name;
      r.attributes = {{"Arn", iam_arn(request.account_id, "role", path, name)},
                      {"RoleId", unique_id("AROA")}};
    } else if (type_ == "AWS::IAM::ManagedPolicy") {
      if (!valid_document(properties.if_contains("PolicyDocument")))
        return invalid(request, "PolicyDocument");
      std::string name = text_property(properties, "ManagedPolicyName");
      if (name.empty()) name = generated_name(request.stack_name, request.logical_id, 128);
      std::string arn = iam_arn(request.account_id, "policy", path, name);
      r.physical_id = arn;
      r.attributes = {{"PolicyArn", arn}, {"PolicyId", unique_id("ANPA")}};
    } else {
      if (!valid_document(properties.if_contains("PolicyDocument")))
        return invalid(request, "PolicyDocument");
      if (text_property(properties, "PolicyName").empty()) {
        std::string message = "Properties validation failed for resource ";
        message.append(request.logical_id).append(" with message: #: required key [PolicyName] not found");
        return message;
      }
      // AWS's physical id of an inline policy: stack-prefixed and random.
      r.physical_id = generated_name(request.stack_name.substr(0, 5), "Polic", 20);
      r.attributes = {{"Id", r.physical_id}};
    }
    r.ref = json::string(r.physical_id);
    return r;
  }

  bool needs_replacement(const json::object& before, const json::object& after) const override {
    return changed(before, after, "RoleName") || changed(before, after, "ManagedPolicyName") ||
           changed(before, after, "Path");
  }

  ProvisionResult update(const ResourceRequest& request, const ProvisionedResource& current,
                         const json::object&, const json::object& after) override {
    if (type_ == "AWS::IAM::Role") {
      if (!valid_document(after.if_contains("AssumeRolePolicyDocument")))
        return invalid(request, "AssumeRolePolicyDocument");
      if (auto failure = check_inline_policies(request, after)) return *failure;
    } else if (!valid_document(after.if_contains("PolicyDocument"))) {
      return invalid(request, "PolicyDocument");
    }
    return current;
  }

  std::optional<std::string> remove(const ResourceRequest&, const ProvisionedResource&,
                                    const json::object&) override {
    return std::nullopt;
  }

 private:
  static std::string invalid(const ResourceRequest& request, const std::string& key) {
    std::string message = "Properties validation failed for resource ";
    message.append(request.logical_id).append(" with message: #: required key [").append(key);
    message.append("] not found or not a policy document");
    return message;
  }

  static std::optional<std::string> check_inline_policies(const ResourceRequest& request,
                                                          const json::object& properties) {
    if (const auto* list = properties.if_contains("Policies"); list && list->is_array()) {
      for (const auto& p : list->as_array()) {
        if (!p.is_object() || !valid_document(p.as_object().if_contains("PolicyDocument")) ||
            text_property(p.as_object(), "PolicyName").empty()) {
          return invalid(request, "Policies");
        }
      }
    }
    return std::nullopt;
  }

  std::string type_;
};

}  // namespace

std::unique_ptr<ResourceProvider> make_iam_provider(const std::string& type) {
  return std::make_unique<IamProvider>(type);
}

}  // namespace fanout::services::cloudformation
