// One resource type's create / update / delete, as CloudFormation's resource handlers do it,
// through the other engines' public operations.
#pragma once

#include <boost/json/object.hpp>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "services/cloudformation/service_caller.h"

namespace fanout::services::cloudformation {

struct ResourceRequest {
  const ServiceCaller& services;
  std::string stack_name;
  std::string stack_id;
  std::string logical_id;
  std::string account_id;
  std::string region;
};

// What a created resource is: its physical id, what Ref returns, and its Fn::GetAtt attributes.
struct ProvisionedResource {
  std::string physical_id;
  boost::json::value ref;
  boost::json::object attributes;
};

// The resource, or the reason its operation failed (shown in the stack's events).
using ProvisionResult = std::variant<ProvisionedResource, std::string>;

class ResourceProvider {
 public:
  virtual ~ResourceProvider() = default;
  virtual ProvisionResult create(const ResourceRequest& request, const boost::json::object& properties) = 0;
  // Whether changing `before` into `after` replaces the resource (a new physical resource).
  virtual bool needs_replacement(const boost::json::object& before,
                                 const boost::json::object& after) const = 0;
  // In-place update; only called when needs_replacement() is false.
  virtual ProvisionResult update(const ResourceRequest& request, const ProvisionedResource& current,
                                 const boost::json::object& before, const boost::json::object& after) = 0;
  // nullopt when deleted (or already gone); the failure reason otherwise.
  virtual std::optional<std::string> remove(const ResourceRequest& request,
                                            const ProvisionedResource& current,
                                            const boost::json::object& properties) = 0;
  // A resource whose create was under way when fanoutd was killed: the resource create() made,
  // if it can be found from its properties and was made at or after `started` (epoch seconds),
  // so that the rollback deletes it instead of leaving it behind. nullopt when there is none or
  // the provider cannot tell (the default; a generated name is not recorded before create()).
  virtual std::optional<ProvisionedResource> find_interrupted_create(
      const ResourceRequest& /*request*/, const boost::json::object& /*properties*/, double /*started*/) {
    return std::nullopt;
  }
};

// The provider for a resource type; null when fanoutd does not provide that type.
std::unique_ptr<ResourceProvider> make_provider(const std::string& type);

// A physical name as CloudFormation generates it: <stack>-<logicalId>-<RANDOM>, truncated to
// max_length, with `suffix` (e.g. ".fifo") kept at the end; lowercase when lower is set.
std::string generated_name(const std::string& stack_name, const std::string& logical_id,
                           std::size_t max_length, const std::string& suffix = "", bool lower = false);

// The reason text of a failed engine call: "Resource handler returned message: ..." as AWS.
std::string handler_failure(const protocol::ServiceError& error);

// Helpers for providers.
bool changed(const boost::json::object& before, const boost::json::object& after, std::string_view key);
std::string text_property(const boost::json::object& properties, std::string_view key);

}  // namespace fanout::services::cloudformation
