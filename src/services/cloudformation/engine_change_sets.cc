// Change sets: created (validated at once, their changes computed on the worker), described,
// executed as a create or update of the stack, deleted and listed.
#include <algorithm>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <set>
#include <thread>

#include "common/crypto.h"
#include "services/cloudformation/cloudformation_engine.h"
#include "services/cloudformation/engine_internal.h"
#include "services/cloudformation/intrinsics.h"
#include "services/cloudformation/providers.h"

namespace fanout::services::cloudformation {
namespace json = boost::json;

namespace {

// AWS's reason for a change set without changes; `aws cloudformation deploy` matches this text.
constexpr const char* kNoChanges =
    "The submitted information didn't contain changes. Submit different information to create a change set.";

bool valid_change_set_name(const std::string& name) {
  if (name.empty() || name.size() > 128 || !std::isalpha(static_cast<unsigned char>(name[0]))) return false;
  return std::all_of(name.begin(), name.end(), [](unsigned char c) { return std::isalnum(c) || c == '-'; });
}

json::object change_set_summary(const Stack& s, const ChangeSet& cs) {
  json::object o{{"StackId", s.id},
                 {"StackName", s.name},
                 {"ChangeSetId", cs.id},
                 {"ChangeSetName", cs.name},
                 {"ExecutionStatus", cs.execution_status},
                 {"Status", cs.status},
                 {"CreationTime", cs.created},
                 {"IncludeNestedStacks", false}};
  if (!cs.reason.empty()) o["StatusReason"] = cs.reason;
  if (!cs.description.empty()) o["Description"] = cs.description;
  return o;
}

}  // namespace

CloudFormationEngine::Output CloudFormationEngine::create_change_set(const Context& c, const Input& in) {
  std::string stack_name = text_input(in, "StackName");
  std::string name = text_input(in, "ChangeSetName");
  if (!valid_change_set_name(name)) {
    return validation_error(
        "1 validation error detected: Value '" + name +
        "' at 'changeSetName' failed to satisfy constraint: Member must satisfy regular expression "
        "pattern: [a-zA-Z][-a-zA-Z0-9]*");
  }
  std::string type = text_input(in, "ChangeSetType");
  if (type.empty()) type = "UPDATE";
  if (type == "IMPORT") return validation_error("fanoutd does not support resource import change sets");
  ParameterValues previous;
  std::string previous_body;
  {
    std::lock_guard lock(mutex_);
    auto stack = find_locked(c.account_id, stack_name, false);
    if (type == "UPDATE") {
      if (!stack || stack->status == "REVIEW_IN_PROGRESS") {
        return validation_error("Stack [" + stack_name + "] does not exist");
      }
      previous = stack->parameters;
      previous_body = stack->template_body;
    } else if (stack && stack->status != "REVIEW_IN_PROGRESS") {
      return validation_error("Stack [" + stack_name +
                              "] already exists and cannot be created again with the changeSet [" + name +
                              "].");
    }
  }
  std::string body;
  if (const auto* v = in.if_contains("UsePreviousTemplate"); v && v->is_bool() && v->as_bool()) {
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

  std::unique_lock lock(mutex_);
  auto stack = find_locked(c.account_id, stack_name, false);
  if (!stack) {
    if (!std::isalpha(static_cast<unsigned char>(stack_name.empty() ? '0' : stack_name[0]))) {
      return validation_error(
          "1 validation error detected: Value '" + stack_name +
          "' at 'stackName' failed to satisfy constraint: Member must satisfy regular expression "
          "pattern: [a-zA-Z][-a-zA-Z0-9]*");
    }
    stack = std::make_shared<Stack>();
    stack->id = "arn:aws:cloudformation:" + c.region + ":" + c.account_id + ":stack/" + stack_name + "/" +
                crypto::uuid_v4();
    stack->name = stack_name;
    stack->created = now();
    stack->template_body = body;
    stack->description = t.description;
    stack->parameters = std::get<ParameterValues>(resolved);
    stack->capabilities = capabilities;
    stacks_[stack->id] = stack;
    set_stack_status_locked(*stack, "REVIEW_IN_PROGRESS", "User Initiated");
  }
  if (stack->change_sets.contains(name)) {
    return protocol::ServiceError::make("AlreadyExistsException", "ChangeSet " + name + " already exists");
  }
  ChangeSet cs;
  cs.id = "arn:aws:cloudformation:" + c.region + ":" + c.account_id + ":changeSet/" + name + "/" +
          crypto::uuid_v4();
  cs.name = name;
  cs.type = type;
  cs.created = now();
  cs.template_body = body;
  cs.parameters = std::get<ParameterValues>(resolved);
  cs.capabilities = capabilities;
  cs.description = text_input(in, "Description");
  if (const auto* tags = in.if_contains("Tags"); tags && tags->is_array()) cs.tags = tags->as_array();
  stack->change_sets[name] = cs;
  persist_locked(*stack);
  json::object result{{"Id", cs.id}, {"StackId", stack->id}};
  const std::string stack_id = stack->id;
  lock.unlock();
  // Computing the changes needs no other engine and takes microseconds: do it before answering,
  // so the first DescribeChangeSet (the CLI's waiter polls at once, then every 5 s) sees the result.
  compute_change_set(stack_id, name);
  return result;
}

void CloudFormationEngine::compute_change_set(const std::string& stack_id, const std::string& name) {
  std::lock_guard lock(mutex_);
  auto stack = stacks_.at(stack_id);
  auto it = stack->change_sets.find(name);
  if (it == stack->change_sets.end()) return;
  auto& cs = it->second;
  auto loaded = load_template(cs.template_body);
  const auto& t = std::get<StackTemplate>(loaded);
  // Evaluate with the resources as they stand; values of resources still to be created or
  // replaced are unknown, so their dependents show as (conditionally) modified.
  json::object parameters = parameter_scope(t.parameters, cs.parameters);
  EvaluationScope scope;
  scope.pseudo.account_id = account_of(stack_id);
  scope.pseudo.stack_name = stack->name;
  scope.pseudo.stack_id = stack_id;
  scope.pseudo.region = stack_id.substr(23, stack_id.find(':', 23) - 23);
  scope.parameters = &parameters;
  scope.mappings = &t.mappings;
  std::map<std::string, bool> conditions;
  json::array changes;
  bool template_error = false;
  std::string error_text;
  std::set<std::string> unknown;  // resources whose values change
  scope.ref_resource = [&](const std::string& id) -> std::optional<json::value> {
    auto r = stack->resources.find(id);
    if (unknown.contains(id) || r == stack->resources.end() || r->second.physical_id.empty()) {
      return json::value("{{changeset:unknown:" + id + "}}");
    }
    return r->second.ref;
  };
  scope.get_att = [&](const std::string& id, const std::string& attribute) -> std::optional<json::value> {
    auto r = stack->resources.find(id);
    if (unknown.contains(id) || r == stack->resources.end())
      return json::value("{{changeset:unknown:" + id + "}}");
    if (const auto* v = r->second.attributes.if_contains(attribute)) return *v;
    return json::value("{{changeset:unknown:" + id + "}}");
  };
  scope.import_value = [&](const std::string& export_name) {
    return export_value_locked(account_of(stack_id), export_name);
  };
  try {
    scope.conditions = &conditions;
    conditions = evaluate_conditions(t.conditions, scope);
    auto order = std::get<std::vector<std::string>>(creation_order(t));
    std::set<std::string> present;
    for (const auto& lid : order) {
      const auto& spec = *t.resource(lid);
      if (spec.condition && !conditions.at(*spec.condition)) continue;
      present.insert(lid);
      auto props_value = Evaluator(scope).resolve(spec.properties);
      json::object props =
          props_value && props_value->is_object() ? props_value->as_object() : json::object{};
      auto existing = stack->resources.find(lid);
      bool exists = cs.type == "UPDATE" && existing != stack->resources.end() &&
                    existing->second.status != "DELETE_COMPLETE" && !existing->second.physical_id.empty();
      json::object change{{"Action", std::string_view(exists ? "Modify" : "Add")},
                          {"LogicalResourceId", lid},
                          {"ResourceType", spec.type},
                          {"Scope", json::array{}},
                          {"Details", json::array{}}};
      if (!exists) {
        unknown.insert(lid);
        changes.push_back(json::object{{"Type", "Resource"}, {"ResourceChange", change}});
        continue;
      }
      if (existing->second.type == spec.type && existing->second.properties == props) continue;
      auto provider = make_provider(spec.type);
      bool replace = existing->second.type != spec.type ||
                     (provider && provider->needs_replacement(existing->second.properties, props));
      bool depends_on_unknown = json::serialize(props).find("{{changeset:unknown:") != std::string::npos;
      change["PhysicalResourceId"] = existing->second.physical_id;
      change["Replacement"] = replace ? (depends_on_unknown ? "Conditional" : "True") : "False";
      change["Scope"] = json::array{"Properties"};
      if (replace) unknown.insert(lid);
      changes.push_back(json::object{{"Type", "Resource"}, {"ResourceChange", change}});
    }
    if (cs.type == "UPDATE") {
      for (const auto& lid : stack->order) {
        auto r = stack->resources.find(lid);
        if (present.contains(lid) || r == stack->resources.end() || r->second.status == "DELETE_COMPLETE")
          continue;
        changes.push_back(
            json::object{{"Type", "Resource"},
                         {"ResourceChange", json::object{{"Action", "Remove"},
                                                         {"LogicalResourceId", lid},
                                                         {"PhysicalResourceId", r->second.physical_id},
                                                         {"ResourceType", r->second.type},
                                                         {"Scope", json::array{}},
                                                         {"Details", json::array{}}}}});
      }
    }
  } catch (const EvaluationError& e) {
    template_error = true;
    error_text = e.what();
  }
  if (template_error) {
    cs.status = "FAILED";
    cs.reason = error_text;
  } else if (cs.type == "UPDATE" && changes.empty() && cs.template_body == stack->template_body) {
    // The same template, with the same parameters or with new values that change no resource.
    cs.status = "FAILED";
    cs.reason = kNoChanges;
  } else {
    // Includes an update whose template changed only outputs or metadata: still executable, as on AWS.
    cs.status = "CREATE_COMPLETE";
    cs.execution_status = "AVAILABLE";
  }
  cs.changes = changes;
  persist_locked(*stack);
}

void CloudFormationEngine::settle(const std::string& stack_id) {
  // `aws cloudformation deploy` polls the stack at once after ExecuteChangeSet and then sleeps
  // 5 s (update) or 30 s (create); an operation of a few fsyncs would always miss that first
  // poll. Answering once the operation finished, or after 1.5 s at most, keeps every status a
  // client can observe AWS's while sparing it the sleep.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(1500);
  while (std::chrono::steady_clock::now() < deadline) {
    {
      std::lock_guard lock(mutex_);
      auto it = stacks_.find(stack_id);
      if (it == stacks_.end() || !it->second->status.ends_with("_IN_PROGRESS")) return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

namespace {

// The stack and change set named by ChangeSetName (an ARN or a name with StackName).
struct ChangeSetRef {
  std::shared_ptr<Stack> stack;
  ChangeSet* change_set = nullptr;
};

}  // namespace

CloudFormationEngine::Output CloudFormationEngine::describe_change_set(const Context& c, const Input& in) {
  std::string name = text_input(in, "ChangeSetName");
  std::string stack_name = text_input(in, "StackName");
  std::lock_guard lock(mutex_);
  for (auto& [id, stack] : stacks_) {
    if (account_of(id) != c.account_id) continue;
    for (auto& [n, cs] : stack->change_sets) {
      bool match =
          name.starts_with("arn:")
              ? cs.id == name
              : (n == name && (stack->name == stack_name || stack->id == stack_name) && !stack->is_deleted());
      if (!match) continue;
      auto out = change_set_summary(*stack, cs);
      json::array parameters;
      for (const auto& [k, v] : cs.parameters)
        parameters.push_back(json::object{{"ParameterKey", k}, {"ParameterValue", v}});
      if (!parameters.empty()) out["Parameters"] = parameters;
      json::array caps;
      for (const auto& cap : cs.capabilities) caps.push_back(json::string(cap));
      if (!caps.empty()) out["Capabilities"] = caps;
      out["Changes"] = cs.changes;
      out["Tags"] = cs.tags;
      out["NotificationARNs"] = json::array{};
      out["RollbackConfiguration"] = json::object{};
      return out;
    }
  }
  return protocol::ServiceError::make("ChangeSetNotFoundException",
                                      "ChangeSet [" + name + "] does not exist");
}

CloudFormationEngine::Output CloudFormationEngine::execute_change_set(const Context& c, const Input& in) {
  std::string name = text_input(in, "ChangeSetName");
  std::string stack_name = text_input(in, "StackName");
  std::unique_lock lock(mutex_);
  for (auto& [id, stack] : stacks_) {
    if (account_of(id) != c.account_id || stack->is_deleted()) continue;
    for (auto& [n, cs] : stack->change_sets) {
      bool match = name.starts_with("arn:")
                       ? cs.id == name
                       : (n == name && (stack->name == stack_name || stack->id == stack_name));
      if (!match) continue;
      if (cs.execution_status != "AVAILABLE") {
        return protocol::ServiceError::make(
            "InvalidChangeSetStatus",
            "ChangeSet [" + cs.id + "] cannot be executed in its current status of [" + cs.status + "]");
      }
      ChangeSet executed = cs;
      // Executing a change set removes the stack's change sets, as on AWS.
      stack->change_sets.clear();
      std::string stack_id = stack->id;
      if (executed.type == "CREATE") {
        stack->template_body = executed.template_body;
        stack->parameters = executed.parameters;
        stack->capabilities = executed.capabilities;
        stack->tags = executed.tags;
        auto loaded = load_template(executed.template_body);
        if (auto* t = std::get_if<StackTemplate>(&loaded)) {
          stack->description = t->description;
          stack->no_echo.clear();
          for (const auto& p : t->parameters) {
            if (p.no_echo) stack->no_echo.push_back(p.name);
          }
        }
        stack->created = now();
        set_stack_status_locked(*stack, "CREATE_IN_PROGRESS", "User Initiated");
        enqueue([this, c, stack_id] { run_create(c, stack_id); });
      } else {
        stack->updated = now();
        set_stack_status_locked(*stack, "UPDATE_IN_PROGRESS", "User Initiated");
        enqueue([this, c, stack_id, executed] {
          run_update(c, stack_id, executed.template_body, executed.parameters, executed.capabilities);
        });
      }
      lock.unlock();
      settle(stack_id);
      return json::object{};
    }
  }
  return protocol::ServiceError::make("ChangeSetNotFoundException",
                                      "ChangeSet [" + name + "] does not exist");
}

CloudFormationEngine::Output CloudFormationEngine::delete_change_set(const Context& c, const Input& in) {
  std::string name = text_input(in, "ChangeSetName");
  std::string stack_name = text_input(in, "StackName");
  std::lock_guard lock(mutex_);
  for (auto& [id, stack] : stacks_) {
    if (account_of(id) != c.account_id || stack->is_deleted()) continue;
    for (auto it = stack->change_sets.begin(); it != stack->change_sets.end(); ++it) {
      bool match = name.starts_with("arn:")
                       ? it->second.id == name
                       : (it->first == name && (stack->name == stack_name || stack->id == stack_name));
      if (!match) continue;
      stack->change_sets.erase(it);
      persist_locked(*stack);
      return json::object{};
    }
  }
  return protocol::ServiceError::make("ChangeSetNotFoundException",
                                      "ChangeSet [" + name + "] does not exist");
}

CloudFormationEngine::Output CloudFormationEngine::list_change_sets(const Context& c, const Input& in) {
  std::string stack_name = text_input(in, "StackName");
  std::lock_guard lock(mutex_);
  auto stack = find_locked(c.account_id, stack_name, true);
  if (!stack) return validation_error("Stack [" + stack_name + "] does not exist");
  json::array summaries;
  for (const auto& [n, cs] : stack->change_sets) summaries.push_back(change_set_summary(*stack, cs));
  return json::object{{"Summaries", summaries}};
}

}  // namespace fanout::services::cloudformation
