// The stack API: validation and bookkeeping on the caller's thread; the stack operations
// themselves are queued for the worker.
#include <algorithm>
#include <boost/json/serialize.hpp>
#include <optional>
#include <utility>

#include "common/crypto.h"
#include "common/percent_encoding.h"
#include "services/cloudformation/cloudformation_engine.h"
#include "services/cloudformation/engine_internal.h"
#include "services/cloudformation/intrinsics.h"

namespace fanout::services::cloudformation {
namespace json = boost::json;

std::vector<std::string> string_list(const json::object& input, std::string_view key) {
  std::vector<std::string> out;
  if (const auto* v = input.if_contains(key); v && v->is_array()) {
    for (const auto& s : v->as_array()) {
      if (s.is_string()) out.emplace_back(s.as_string());
    }
  }
  return out;
}

std::optional<protocol::ServiceError> check_capabilities(const StackTemplate& t,
                                                         const std::vector<std::string>& granted) {
  auto has = [&](const char* c) { return std::find(granted.begin(), granted.end(), c) != granted.end(); };
  if (t.needs_named_iam() && !has("CAPABILITY_NAMED_IAM")) {
    return protocol::ServiceError::make("InsufficientCapabilitiesException",
                                        "Requires capabilities : [CAPABILITY_NAMED_IAM]");
  }
  if (t.needs_iam() && !has("CAPABILITY_IAM") && !has("CAPABILITY_NAMED_IAM")) {
    return protocol::ServiceError::make("InsufficientCapabilitiesException",
                                        "Requires capabilities : [CAPABILITY_IAM]");
  }
  return std::nullopt;
}

namespace {

// {bucket, key} of an S3 object URL; nullopt when the URL is not one.
std::optional<std::pair<std::string, std::string>> s3_location(const std::string& url) {
  auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return std::nullopt;
  std::string scheme = url.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https") return std::nullopt;
  auto rest = url.substr(scheme_end + 3);
  auto slash = rest.find('/');
  if (slash == std::string::npos) return std::nullopt;
  std::string host = rest.substr(0, rest.find_first_of(":/"));
  std::string path = rest.substr(slash + 1);
  if (auto q = path.find('?'); q != std::string::npos) path.resize(q);
  std::string bucket;
  for (const char* marker : {".s3.", ".s3-"}) {
    if (auto at = host.find(marker); at != std::string::npos && bucket.empty()) bucket = host.substr(0, at);
  }
  if (bucket.empty() && host.ends_with(".localhost")) bucket = host.substr(0, host.size() - 10);
  if (bucket.empty()) {
    // Path style: s3.amazonaws.com/<bucket>/<key>, localhost:4566/<bucket>/<key>, ...
    auto end = path.find('/');
    if (end == std::string::npos) return std::nullopt;
    bucket = path.substr(0, end);
    path = path.substr(end + 1);
  }
  if (bucket.empty() || path.empty()) return std::nullopt;
  return std::pair{bucket, percent_encoding::decode_lenient(path, /*plus_is_space=*/false)};
}

}  // namespace

std::variant<std::string, protocol::ServiceError> template_text(const json::object& input,
                                                                const BucketOperations* buckets,
                                                                const std::string& account_id) {
  bool has_body = input.contains("TemplateBody");
  bool has_url = input.contains("TemplateURL");
  if (has_body && has_url) {
    return validation_error("Specify exactly one of TemplateBody or TemplateUrl.");
  }
  if (!has_body && !has_url)
    return validation_error("Either Template URL or Template Body must be specified.");
  if (has_body) return text_input(input, "TemplateBody");
  std::string url = text_input(input, "TemplateURL");
  auto location = s3_location(url);
  if (!location) return validation_error("TemplateURL must be a supported URL.");
  // AWS reads at most 1 MB of template from S3.
  constexpr std::size_t kMaxTemplateUrlBytes = std::size_t{1024} * 1024;
  auto text = buckets
                  ? buckets->read_object(account_id, location->first, location->second, kMaxTemplateUrlBytes)
                  : std::nullopt;
  if (!text) return validation_error("Template file referenced by " + url + " does not exist.");
  if (text->size() > kMaxTemplateUrlBytes) {
    return validation_error("Template may not exceed 1000000 bytes in size.");
  }
  return *text;
}

json::object describe_stack_json(const Stack& s) {
  json::array parameters;
  for (const auto& [k, v] : s.parameters) {
    bool hidden = std::find(s.no_echo.begin(), s.no_echo.end(), k) != s.no_echo.end();
    parameters.push_back(json::object{{"ParameterKey", k}, {"ParameterValue", hidden ? "****" : v}});
  }
  json::object out{{"StackId", s.id},
                   {"StackName", s.name},
                   {"CreationTime", s.created},
                   {"StackStatus", s.status},
                   {"DisableRollback", s.disable_rollback},
                   {"NotificationARNs", json::array{}},
                   {"Tags", s.tags},
                   {"EnableTerminationProtection", false},
                   {"DriftInformation", json::object{{"StackDriftStatus", "NOT_CHECKED"}}}};
  if (!s.parameters.empty()) out["Parameters"] = parameters;
  if (!s.description.empty()) out["Description"] = s.description;
  if (!s.reason.empty()) out["StackStatusReason"] = s.reason;
  if (s.updated > 0) out["LastUpdatedTime"] = s.updated;
  if (s.deleted > 0) out["DeletionTime"] = s.deleted;
  if (!s.capabilities.empty()) {
    json::array caps;
    for (const auto& c : s.capabilities) caps.push_back(json::string(c));
    out["Capabilities"] = caps;
  }
  if (!s.outputs.empty()) out["Outputs"] = s.outputs;
  return out;
}

namespace {

bool valid_stack_name(const std::string& name) {
  if (name.empty() || name.size() > 128 || !std::isalpha(static_cast<unsigned char>(name[0]))) return false;
  return std::all_of(name.begin(), name.end(), [](unsigned char c) { return std::isalnum(c) || c == '-'; });
}

json::array template_parameters(const StackTemplate& t, bool with_type) {
  json::array out;
  for (const auto& p : t.parameters) {
    json::object o{{"ParameterKey", p.name}, {"NoEcho", p.no_echo}};
    if (p.default_value) o["DefaultValue"] = *p.default_value;
    if (!p.description.empty()) o["Description"] = p.description;
    if (with_type) {
      o["ParameterType"] = p.type;
      json::array allowed;
      for (const auto& v : p.allowed_values) allowed.push_back(json::string(v));
      o["ParameterConstraints"] = json::object{{"AllowedValues", allowed}};
    }
    out.push_back(std::move(o));
  }
  return out;
}

void add_capabilities(const StackTemplate& t, json::object& out) {
  if (!t.needs_iam()) return;
  std::string cap = t.needs_named_iam() ? "CAPABILITY_NAMED_IAM" : "CAPABILITY_IAM";
  std::string names;
  for (const auto& r : t.resources) {
    if (r.type.starts_with("AWS::IAM::")) names += (names.empty() ? "" : ", ") + r.logical_id;
  }
  out["Capabilities"] = json::array{json::string(cap)};
  out["CapabilitiesReason"] = "The following resource(s) require capabilities: [" + names + "]";
}

}  // namespace

CloudFormationEngine::Output CloudFormationEngine::validate_template(const Context& c, const Input& in) {
  auto text = template_text(in, buckets_.get(), c.account_id);
  if (auto* e = std::get_if<protocol::ServiceError>(&text)) return *e;
  auto loaded = load_template(std::get<std::string>(text));
  if (auto* e = std::get_if<std::string>(&loaded)) return validation_error(*e);
  const auto& t = std::get<StackTemplate>(loaded);
  json::object out{{"Parameters", template_parameters(t, false)}};
  if (!t.description.empty()) out["Description"] = t.description;
  add_capabilities(t, out);
  return out;
}

CloudFormationEngine::Output CloudFormationEngine::get_template_summary(const Context& c, const Input& in) {
  std::string body;
  if (in.contains("StackName")) {
    std::lock_guard lock(mutex_);
    auto stack = find_locked(c.account_id, text_input(in, "StackName"), true);
    if (!stack) return validation_error("Stack with id " + text_input(in, "StackName") + " does not exist");
    body = stack->template_body;
  } else {
    auto text = template_text(in, buckets_.get(), c.account_id);
    if (auto* e = std::get_if<protocol::ServiceError>(&text)) return *e;
    body = std::get<std::string>(text);
  }
  auto loaded = load_template(body);
  if (auto* e = std::get_if<std::string>(&loaded)) return validation_error(*e);
  const auto& t = std::get<StackTemplate>(loaded);
  json::array types;
  std::vector<std::string> seen;
  for (const auto& r : t.resources) {
    if (std::find(seen.begin(), seen.end(), r.type) != seen.end()) continue;
    seen.push_back(r.type);
    types.push_back(json::string(r.type));
  }
  json::object out{{"Parameters", template_parameters(t, true)},
                   {"ResourceTypes", types},
                   {"Version", "2010-09-09"},
                   {"DeclaredTransforms", json::array{}}};
  if (!t.description.empty()) out["Description"] = t.description;
  add_capabilities(t, out);
  return out;
}

CloudFormationEngine::Output CloudFormationEngine::create_stack(const Context& c, const Input& in) {
  std::string name = text_input(in, "StackName");
  if (!valid_stack_name(name)) {
    return validation_error(
        "1 validation error detected: Value '" + name +
        "' at 'stackName' failed to satisfy constraint: Member must satisfy regular expression "
        "pattern: [a-zA-Z][-a-zA-Z0-9]*");
  }
  auto text = template_text(in, buckets_.get(), c.account_id);
  if (auto* e = std::get_if<protocol::ServiceError>(&text)) return *e;
  auto loaded = load_template(std::get<std::string>(text));
  if (auto* e = std::get_if<std::string>(&loaded)) return validation_error(*e);
  const auto& t = std::get<StackTemplate>(loaded);
  auto resolved = resolve_parameters(t.parameters, supplied_parameters(in), {});
  if (auto* e = std::get_if<std::string>(&resolved)) return validation_error(*e);
  auto capabilities = string_list(in, "Capabilities");
  if (auto e = check_capabilities(t, capabilities)) return *e;
  if (in.contains("DisableRollback") && in.contains("OnFailure")) {
    return validation_error("You cannot specify both DisableRollback and OnFailure.");
  }
  auto stack = std::make_shared<Stack>();
  stack->id =
      "arn:aws:cloudformation:" + c.region + ":" + c.account_id + ":stack/" + name + "/" + crypto::uuid_v4();
  stack->name = name;
  stack->template_body = std::get<std::string>(text);
  stack->description = t.description;
  stack->parameters = std::get<ParameterValues>(resolved);
  for (const auto& p : t.parameters) {
    if (p.no_echo) stack->no_echo.push_back(p.name);
  }
  stack->capabilities = capabilities;
  stack->notification_arns = string_list(in, "NotificationARNs");
  if (const auto* tags = in.if_contains("Tags"); tags && tags->is_array()) stack->tags = tags->as_array();
  stack->created = now();
  if (const auto* v = in.if_contains("DisableRollback"); v && v->is_bool())
    stack->disable_rollback = v->as_bool();
  if (auto on_failure = text_input(in, "OnFailure"); !on_failure.empty()) {
    stack->on_failure = on_failure;
    stack->disable_rollback = on_failure == "DO_NOTHING";
  }
  {
    std::lock_guard lock(mutex_);
    if (find_locked(c.account_id, name, false)) {
      return protocol::ServiceError::make("AlreadyExistsException", "Stack [" + name + "] already exists");
    }
    stacks_[stack->id] = stack;
    set_stack_status_locked(*stack, "CREATE_IN_PROGRESS", "User Initiated");
  }
  enqueue([this, c, id = stack->id] { run_create(c, id); });
  return json::object{{"StackId", stack->id}};
}

CloudFormationEngine::Output CloudFormationEngine::update_stack(const Context& c, const Input& in) {
  std::string name = text_input(in, "StackName");
  std::string body;
  ParameterValues previous;
  std::string previous_body;
  std::string id;
  {
    std::lock_guard lock(mutex_);
    auto stack = find_locked(c.account_id, name, false);
    if (!stack) return validation_error("Stack [" + name + "] does not exist");
    static const std::vector<std::string> kUpdatable = {"CREATE_COMPLETE", "UPDATE_COMPLETE",
                                                        "UPDATE_ROLLBACK_COMPLETE"};
    if (std::find(kUpdatable.begin(), kUpdatable.end(), stack->status) == kUpdatable.end()) {
      return validation_error("Stack:" + stack->id + " is in " + stack->status +
                              " state and can not be updated.");
    }
    previous = stack->parameters;
    previous_body = stack->template_body;
    id = stack->id;
  }
  if (const auto* v = in.if_contains("UsePreviousTemplate"); v && v->is_bool() && v->as_bool()) {
    if (in.contains("TemplateBody") || in.contains("TemplateURL")) {
      return validation_error(
          "Exactly one of TemplateBody, TemplateUrl or UsePreviousTemplate must be specified.");
    }
    body = previous_body;
  } else {
    auto text = template_text(in, buckets_.get(), c.account_id);
    if (auto* e = std::get_if<protocol::ServiceError>(&text)) return *e;
    body = std::get<std::string>(text);
  }
  auto loaded = load_template(body);
  if (auto* e = std::get_if<std::string>(&loaded)) return validation_error(*e);
  const auto& t = std::get<StackTemplate>(loaded);
  auto resolved = resolve_parameters(t.parameters, supplied_parameters(in), previous);
  if (auto* e = std::get_if<std::string>(&resolved)) return validation_error(*e);
  auto capabilities = string_list(in, "Capabilities");
  if (auto e = check_capabilities(t, capabilities)) return *e;
  auto parameters = std::get<ParameterValues>(resolved);
  if (body == previous_body && parameters == previous)
    return validation_error("No updates are to be performed.");
  {
    std::lock_guard lock(mutex_);
    auto stack = stacks_.at(id);
    stack->updated = now();
    set_stack_status_locked(*stack, "UPDATE_IN_PROGRESS", "User Initiated");
  }
  enqueue(
      [this, c, id, body, parameters, capabilities] { run_update(c, id, body, parameters, capabilities); });
  return json::object{{"StackId", id}};
}

CloudFormationEngine::Output CloudFormationEngine::delete_stack(const Context& c, const Input& in) {
  std::string name = text_input(in, "StackName");
  std::lock_guard lock(mutex_);
  auto stack = find_locked(c.account_id, name, true);
  // Deleting a stack that does not exist (or is already deleted) succeeds, as on AWS.
  if (!stack || stack->is_deleted() || stack->status == "DELETE_IN_PROGRESS") return json::object{};
  if (stack->status.ends_with("_IN_PROGRESS") && stack->status != "REVIEW_IN_PROGRESS") {
    return validation_error("Stack [" + stack->name + "] cannot be deleted while in status " + stack->status);
  }
  set_stack_status_locked(*stack, "DELETE_IN_PROGRESS", "User Initiated");
  enqueue([this, c, id = stack->id] { run_delete(c, id); });
  return json::object{};
}

CloudFormationEngine::Output CloudFormationEngine::describe_stacks(const Context& c, const Input& in) {
  std::lock_guard lock(mutex_);
  json::array stacks;
  if (in.contains("StackName")) {
    std::string name = text_input(in, "StackName");
    auto stack = find_locked(c.account_id, name, true);
    if (!stack) return validation_error("Stack with id " + name + " does not exist");
    stacks.push_back(describe_stack_json(*stack));
  } else {
    for (const auto& [id, stack] : stacks_) {
      if (account_of(id) == c.account_id && !stack->is_deleted())
        stacks.push_back(describe_stack_json(*stack));
    }
  }
  return json::object{{"Stacks", stacks}};
}

CloudFormationEngine::Output CloudFormationEngine::list_stacks(const Context& c, const Input& in) {
  auto filter = string_list(in, "StackStatusFilter");
  std::lock_guard lock(mutex_);
  json::array summaries;
  for (const auto& [id, s] : stacks_) {
    if (account_of(id) != c.account_id || s->status == "REVIEW_IN_PROGRESS") continue;
    if (!filter.empty() && std::find(filter.begin(), filter.end(), s->status) == filter.end()) continue;
    json::object o{{"StackId", s->id},
                   {"StackName", s->name},
                   {"CreationTime", s->created},
                   {"StackStatus", s->status},
                   {"DriftInformation", json::object{{"StackDriftStatus", "NOT_CHECKED"}}}};
    if (!s->description.empty()) o["TemplateDescription"] = s->description;
    if (!s->reason.empty()) o["StackStatusReason"] = s->reason;
    if (s->updated > 0) o["LastUpdatedTime"] = s->updated;
    if (s->deleted > 0) o["DeletionTime"] = s->deleted;
    summaries.push_back(std::move(o));
  }
  return json::object{{"StackSummaries", summaries}};
}

CloudFormationEngine::Output CloudFormationEngine::describe_stack_events(const Context& c, const Input& in) {
  std::string name = text_input(in, "StackName");
  std::lock_guard lock(mutex_);
  auto stack = find_locked(c.account_id, name, true);
  if (!stack) return validation_error("Stack [" + name + "] does not exist");
  json::array events;
  for (auto it = stack->events.rbegin(); it != stack->events.rend(); ++it) events.push_back(*it);
  return json::object{{"StackEvents", events}};
}

namespace {

json::object resource_json(const Stack& s, const StackResource& r, bool detail) {
  json::object o{{"StackName", s.name},
                 {"StackId", s.id},
                 {"LogicalResourceId", r.logical_id},
                 {"ResourceType", r.type},
                 {std::string_view(detail ? "LastUpdatedTimestamp" : "Timestamp"), r.updated},
                 {"ResourceStatus", r.status},
                 {"DriftInformation", json::object{{"StackResourceDriftStatus", "NOT_CHECKED"}}}};
  if (!r.physical_id.empty()) o["PhysicalResourceId"] = r.physical_id;
  if (!r.reason.empty()) o["ResourceStatusReason"] = r.reason;
  return o;
}

}  // namespace

CloudFormationEngine::Output CloudFormationEngine::describe_stack_resource(const Context& c,
                                                                           const Input& in) {
  std::string name = text_input(in, "StackName");
  std::string logical = text_input(in, "LogicalResourceId");
  std::lock_guard lock(mutex_);
  auto stack = find_locked(c.account_id, name, true);
  if (!stack) return validation_error("Stack '" + name + "' does not exist");
  auto it = stack->resources.find(logical);
  if (it == stack->resources.end()) {
    return validation_error("Resource " + logical + " does not exist for stack " + name);
  }
  return json::object{{"StackResourceDetail", resource_json(*stack, it->second, true)}};
}

CloudFormationEngine::Output CloudFormationEngine::describe_stack_resources(const Context& c,
                                                                            const Input& in) {
  std::string name = text_input(in, "StackName");
  std::string physical = text_input(in, "PhysicalResourceId");
  std::string logical = text_input(in, "LogicalResourceId");
  std::lock_guard lock(mutex_);
  std::shared_ptr<Stack> stack;
  if (!name.empty()) {
    stack = find_locked(c.account_id, name, true);
  } else if (!physical.empty()) {
    for (auto& [id, s] : stacks_) {
      if (account_of(id) != c.account_id || s->is_deleted()) continue;
      for (auto& [lid, r] : s->resources) {
        if (r.physical_id == physical) stack = s;
      }
    }
  } else {
    return validation_error("Either StackName or PhysicalResourceId must be specified.");
  }
  if (!stack)
    return validation_error("Stack with id " + (name.empty() ? physical : name) + " does not exist");
  json::array out;
  for (const auto& id : stack->order) {
    auto it = stack->resources.find(id);
    if (it == stack->resources.end() || (!logical.empty() && id != logical)) continue;
    out.push_back(resource_json(*stack, it->second, false));
  }
  return json::object{{"StackResources", out}};
}

CloudFormationEngine::Output CloudFormationEngine::list_stack_resources(const Context& c, const Input& in) {
  std::string name = text_input(in, "StackName");
  std::lock_guard lock(mutex_);
  auto stack = find_locked(c.account_id, name, true);
  if (!stack) return validation_error("Stack with id " + name + " does not exist");
  json::array out;
  for (const auto& id : stack->order) {
    auto it = stack->resources.find(id);
    if (it == stack->resources.end()) continue;
    const auto& r = it->second;
    json::object o{{"LogicalResourceId", r.logical_id},
                   {"ResourceType", r.type},
                   {"LastUpdatedTimestamp", r.updated},
                   {"ResourceStatus", r.status},
                   {"DriftInformation", json::object{{"StackResourceDriftStatus", "NOT_CHECKED"}}}};
    if (!r.physical_id.empty()) o["PhysicalResourceId"] = r.physical_id;
    if (!r.reason.empty()) o["ResourceStatusReason"] = r.reason;
    out.push_back(std::move(o));
  }
  return json::object{{"StackResourceSummaries", out}};
}

CloudFormationEngine::Output CloudFormationEngine::get_template(const Context& c, const Input& in) {
  std::string name = text_input(in, "StackName");
  std::lock_guard lock(mutex_);
  auto stack = find_locked(c.account_id, name, true);
  if (!stack) return validation_error("Stack with id " + name + " does not exist");
  std::string body = stack->template_body;
  if (auto cs_name = text_input(in, "ChangeSetName"); !cs_name.empty()) {
    bool found = false;
    for (const auto& [n, cs] : stack->change_sets) {
      if (n == cs_name || cs.id == cs_name) {
        body = cs.template_body;
        found = true;
      }
    }
    if (!found)
      return protocol::ServiceError::make("ChangeSetNotFoundException",
                                          "ChangeSet [" + cs_name + "] does not exist");
  }
  return json::object{{"TemplateBody", body}, {"StagesAvailable", json::array{"Original", "Processed"}}};
}

CloudFormationEngine::Output CloudFormationEngine::list_exports(const Context& c, const Input&) {
  std::lock_guard lock(mutex_);
  json::array exports;
  for (const auto& [id, s] : stacks_) {
    if (account_of(id) != c.account_id || s->is_deleted()) continue;
    for (const auto& o : s->outputs) {
      const auto& out = o.as_object();
      if (out.contains("ExportName")) {
        exports.push_back(json::object{
            {"ExportingStackId", s->id}, {"Name", out.at("ExportName")}, {"Value", out.at("OutputValue")}});
      }
    }
  }
  return json::object{{"Exports", exports}};
}

CloudFormationEngine::Output CloudFormationEngine::list_imports(const Context& c, const Input& in) {
  std::string name = text_input(in, "ExportName");
  std::lock_guard lock(mutex_);
  json::array imports;
  for (const auto& [id, s] : stacks_) {
    if (account_of(id) != c.account_id || s->is_deleted()) continue;
    if (std::find(s->imports.begin(), s->imports.end(), name) != s->imports.end())
      imports.push_back(json::string(s->name));
  }
  if (imports.empty()) return validation_error("Export '" + name + "' is not imported by any stack.");
  return json::object{{"Imports", imports}};
}

}  // namespace fanout::services::cloudformation
