// Stack operations on the worker thread: create (with rollback), update (in place or by
// replacement, cleanup, update rollback) and delete, resource by resource in dependency order.
#include <algorithm>
#include <set>

#include "common/crypto.h"
#include "services/cloudformation/cloudformation_engine.h"
#include "services/cloudformation/engine_internal.h"
#include "services/cloudformation/intrinsics.h"
#include "services/cloudformation/providers.h"

namespace fanout::services::cloudformation {
namespace json = boost::json;

namespace {

// The evaluation environment of one stack operation: its template, parameters, conditions and
// the resources as they stand (updated as the operation proceeds).
struct Deployment {
  StackTemplate stack_template;
  json::object parameters;
  std::map<std::string, bool> conditions;
  std::map<std::string, StackResource> live;
  std::vector<std::string> imports;
  EvaluationScope scope;

  void bind(std::function<std::optional<std::string>(const std::string&)> import_value) {
    scope.parameters = &parameters;
    scope.mappings = &stack_template.mappings;
    scope.ref_resource = [this](const std::string& id) -> std::optional<json::value> {
      auto it = live.find(id);
      if (it == live.end() || it->second.physical_id.empty()) return std::nullopt;
      return it->second.ref;
    };
    scope.get_att = [this](const std::string& id,
                           const std::string& attribute) -> std::optional<json::value> {
      auto it = live.find(id);
      if (it == live.end()) return std::nullopt;
      if (const auto* v = it->second.attributes.if_contains(attribute)) return *v;
      throw EvaluationError("Template error: resource " + id + " does not support attribute type " +
                            attribute + " in Fn::GetAtt");
    };
    scope.import_value = [this, import_value = std::move(import_value)](const std::string& name) {
      auto v = import_value(name);
      if (v && std::find(imports.begin(), imports.end(), name) == imports.end()) imports.push_back(name);
      return v;
    };
    scope.conditions = &conditions;
    conditions = evaluate_conditions(stack_template.conditions, scope);
  }

  bool included(const ResourceSpec& spec) const { return !spec.condition || conditions.at(*spec.condition); }

  json::object resolve_properties(const ResourceSpec& spec) const {
    auto v = Evaluator(scope).resolve(spec.properties);
    return v && v->is_object() ? v->as_object() : json::object{};
  }

  json::array outputs() const {
    json::array out;
    for (const auto& o : stack_template.outputs) {
      if (o.condition && !conditions.at(*o.condition)) continue;
      Evaluator evaluator(scope);
      auto value = evaluator.resolve(o.value);
      json::object output{{"OutputKey", o.name},
                          {"OutputValue", value ? (value->is_array() ? [&] {
                            std::string joined;
                            for (const auto& item : value->as_array()) joined += (joined.empty() ? "" : ",") + scalar_text(item);
                            return joined;
                          }() : scalar_text(*value)) : std::string()}};
      if (!o.description.empty()) output["Description"] = o.description;
      if (o.export_name) {
        auto name = evaluator.resolve(*o.export_name);
        if (name) output["ExportName"] = scalar_text(*name);
      }
      out.push_back(std::move(output));
    }
    return out;
  }
};

StackResource new_resource(const std::string& logical_id, const std::string& type) {
  StackResource r;
  r.logical_id = logical_id;
  r.type = type;
  return r;
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

}  // namespace

void CloudFormationEngine::run_create(const Context& c, const std::string& stack_id) {
  Deployment d;
  std::string stack_name;
  std::vector<std::string> notification_arns;
  ParameterValues parameter_values;
  std::string body;
  {
    std::lock_guard lock(mutex_);
    auto stack = stacks_.at(stack_id);
    stack_name = stack->name;
    body = stack->template_body;
    parameter_values = stack->parameters;
    notification_arns = stack->notification_arns;
  }
  auto loaded = load_template(body);
  d.stack_template = std::move(std::get<StackTemplate>(loaded));
  d.parameters = parameter_scope(d.stack_template.parameters, parameter_values);
  d.scope.pseudo = PseudoParameters{c.account_id, c.region,        stack_name,       stack_id,
                                    "aws",        "amazonaws.com", notification_arns};
  auto account = c.account_id;
  std::vector<std::string> failed;
  std::string failure_reason;
  try {
    d.bind([this, account](const std::string& name) {
      std::lock_guard lock(mutex_);
      return export_value_locked(account, name);
    });
  } catch (const EvaluationError& e) {
    failure_reason = e.what();
  }
  ServiceCaller caller(engines_, buckets_.get(), c);
  ResourceRequest request{caller, stack_name, stack_id, "", c.account_id, c.region};
  auto order = std::get<std::vector<std::string>>(creation_order(d.stack_template));
  std::vector<std::string> created;
  for (const auto& lid : order) {
    if (!failure_reason.empty()) break;
    const auto& spec = *d.stack_template.resource(lid);
    if (!d.included(spec)) continue;
    StackResource resource;
    resource.logical_id = lid;
    resource.type = spec.type;
    resource.deletion_policy = spec.deletion_policy;
    resource.status = "CREATE_IN_PROGRESS";
    resource.updated = now();
    {
      std::lock_guard lock(mutex_);
      auto stack = stacks_.at(stack_id);
      stack->resources[lid] = resource;
      stack->order.push_back(lid);
      add_event_locked(*stack, lid, "", spec.type, "CREATE_IN_PROGRESS", "");
    }
    created.push_back(lid);
    ProvisionResult result = std::string();
    try {
      resource.properties = d.resolve_properties(spec);
      {
        // Recorded before the create, with what it is made from: if fanoutd is killed before the
        // create's outcome is recorded, the rollback at restart can still find what it made.
        std::lock_guard lock(mutex_);
        auto stack = stacks_.at(stack_id);
        stack->resources[lid].properties = resource.properties;
        persist_locked(*stack);
      }
      auto provider = make_provider(spec.type);
      if (!provider) {
        result =
            "Unrecognized resource types: [" + spec.type + "] (fanoutd does not provide this resource type)";
      } else {
        request.logical_id = lid;
        result = provider->create(request, resource.properties);
      }
    } catch (const EvaluationError& e) {
      result = std::string(e.what());
    }
    std::lock_guard lock(mutex_);
    auto stack = stacks_.at(stack_id);
    resource.updated = now();
    if (auto* ok = std::get_if<ProvisionedResource>(&result)) {
      resource.physical_id = ok->physical_id;
      resource.ref = ok->ref;
      resource.attributes = ok->attributes;
      resource.status = "CREATE_COMPLETE";
      d.live[lid] = resource;
      stack->resources[lid] = resource;
      add_event_locked(*stack, lid, resource.physical_id, spec.type, "CREATE_COMPLETE", "",
                       resource.properties);
    } else {
      resource.status = "CREATE_FAILED";
      resource.reason = std::get<std::string>(result);
      stack->resources[lid] = resource;
      add_event_locked(*stack, lid, "", spec.type, "CREATE_FAILED", resource.reason, resource.properties);
      failed.push_back(lid);
      failure_reason = "The following resource(s) failed to create: [" + lid + "]. ";
    }
    persist_locked(*stack);
  }
  json::array outputs;
  if (failure_reason.empty()) {
    try {
      outputs = d.outputs();
      std::lock_guard lock(mutex_);
      for (const auto& o : outputs) {
        auto name = text_input(o.as_object(), "ExportName");
        if (name.empty()) continue;
        for (const auto& [id, other] : stacks_) {
          if (id == stack_id || other->is_deleted() || account_of(id) != c.account_id) continue;
          for (const auto& oo : other->outputs) {
            if (text_input(oo.as_object(), "ExportName") == name) {
              failure_reason = "Export with name " + name + " is already exported by stack " + other->name;
            }
          }
        }
      }
    } catch (const EvaluationError& e) {
      failure_reason = e.what();
    }
  }
  if (failure_reason.empty()) {
    std::lock_guard lock(mutex_);
    auto stack = stacks_.at(stack_id);
    stack->outputs = outputs;
    stack->imports = d.imports;
    set_stack_status_locked(*stack, "CREATE_COMPLETE", "");
    return;
  }
  bool rollback;
  {
    std::lock_guard lock(mutex_);
    auto stack = stacks_.at(stack_id);
    rollback = !stack->disable_rollback;
    if (!rollback) {
      set_stack_status_locked(*stack, "CREATE_FAILED", failure_reason);
      return;
    }
    set_stack_status_locked(*stack, "ROLLBACK_IN_PROGRESS", failure_reason + "Rollback requested by user.");
  }
  std::vector<std::string> reverse(created.rbegin(), created.rend());
  std::string delete_failed;
  bool ok = delete_resources(c, stack_id, reverse, delete_failed);
  std::lock_guard lock(mutex_);
  auto stack = stacks_.at(stack_id);
  if (!ok) {
    set_stack_status_locked(*stack, "ROLLBACK_FAILED",
                            "The following resource(s) failed to delete: [" + delete_failed + "]. ");
    return;
  }
  set_stack_status_locked(*stack, "ROLLBACK_COMPLETE", "");
  if (stack->on_failure == "DELETE") {
    set_stack_status_locked(*stack, "DELETE_IN_PROGRESS", "");
    stack->deleted = now();
    set_stack_status_locked(*stack, "DELETE_COMPLETE", "");
  }
}

bool CloudFormationEngine::delete_resources(const Context& c, const std::string& stack_id,
                                            const std::vector<std::string>& ids, std::string& failed) {
  std::string stack_name;
  {
    std::lock_guard lock(mutex_);
    stack_name = stacks_.at(stack_id)->name;
  }
  ServiceCaller caller(engines_, buckets_.get(), c);
  ResourceRequest request{caller, stack_name, stack_id, "", c.account_id, c.region};
  std::vector<std::string> failures;
  for (const auto& lid : ids) {
    StackResource resource;
    {
      std::lock_guard lock(mutex_);
      auto stack = stacks_.at(stack_id);
      auto it = stack->resources.find(lid);
      if (it == stack->resources.end() || it->second.status == "DELETE_COMPLETE" ||
          it->second.status == "DELETE_SKIPPED")
        continue;
      resource = it->second;
      if (resource.deletion_policy == "Retain" && !resource.physical_id.empty()) {
        it->second.status = "DELETE_SKIPPED";
        add_event_locked(*stack, lid, resource.physical_id, resource.type, "DELETE_SKIPPED", "");
        persist_locked(*stack);
        continue;
      }
      it->second.status = "DELETE_IN_PROGRESS";
      add_event_locked(*stack, lid, resource.physical_id, resource.type, "DELETE_IN_PROGRESS", "");
    }
    std::optional<std::string> error;
    if (auto provider = make_provider(resource.type)) {
      request.logical_id = lid;
      if (resource.physical_id.empty() && resource.status == "CREATE_IN_PROGRESS" &&
          resource.deletion_policy != "Retain") {
        // Its create was interrupted (kill -9): whatever it made is known only by its properties.
        if (auto made = provider->find_interrupted_create(request, resource.properties, resource.updated)) {
          resource.physical_id = made->physical_id;
          resource.ref = made->ref;
          resource.attributes = made->attributes;
        }
      }
      if (!resource.physical_id.empty()) {
        error = provider->remove(request,
                                 ProvisionedResource{resource.physical_id, resource.ref, resource.attributes},
                                 resource.properties);
      }
    }
    std::lock_guard lock(mutex_);
    auto stack = stacks_.at(stack_id);
    auto& r = stack->resources.at(lid);
    r.updated = now();
    if (error) {
      r.status = "DELETE_FAILED";
      r.reason = *error;
      failures.push_back(lid);
    } else {
      r.status = "DELETE_COMPLETE";
      r.reason.clear();
    }
    add_event_locked(*stack, lid, r.physical_id, r.type, r.status, r.reason);
    persist_locked(*stack);
  }
  failed = joined(failures);
  return failures.empty();
}

void CloudFormationEngine::run_delete(const Context& c, const std::string& stack_id) {
  std::vector<std::string> ids;
  {
    std::lock_guard lock(mutex_);
    auto stack = stacks_.at(stack_id);
    for (const auto& o : stack->outputs) {
      auto name = text_input(o.as_object(), "ExportName");
      if (name.empty()) continue;
      for (const auto& [id, other] : stacks_) {
        if (id == stack_id || other->is_deleted()) continue;
        if (std::find(other->imports.begin(), other->imports.end(), name) != other->imports.end()) {
          set_stack_status_locked(*stack, "DELETE_FAILED",
                                  "Export " + name + " cannot be deleted as it is in use by " + other->name);
          return;
        }
      }
    }
    ids.assign(stack->order.rbegin(), stack->order.rend());
  }
  std::string failed;
  bool ok = delete_resources(c, stack_id, ids, failed);
  std::lock_guard lock(mutex_);
  auto stack = stacks_.at(stack_id);
  if (!ok) {
    set_stack_status_locked(*stack, "DELETE_FAILED",
                            "The following resource(s) failed to delete: [" + failed + "]. ");
    return;
  }
  stack->deleted = now();
  stack->change_sets.clear();
  set_stack_status_locked(*stack, "DELETE_COMPLETE", "");
}

void CloudFormationEngine::run_update(const Context& c, const std::string& stack_id,
                                      const std::string& template_body,
                                      const std::map<std::string, std::string>& parameter_values,
                                      const std::vector<std::string>& capabilities) {
  Deployment d;
  std::string stack_name;
  std::vector<std::string> old_order;
  {
    std::lock_guard lock(mutex_);
    auto stack = stacks_.at(stack_id);
    stack_name = stack->name;
    d.live = stack->resources;
    old_order = stack->order;
    d.scope.pseudo = PseudoParameters{
        c.account_id, c.region, stack_name, stack_id, "aws", "amazonaws.com", stack->notification_arns};
  }
  const auto old_resources = d.live;
  auto loaded = load_template(template_body);
  d.stack_template = std::move(std::get<StackTemplate>(loaded));
  d.parameters = parameter_scope(d.stack_template.parameters, parameter_values);
  auto account = c.account_id;
  std::string failure_reason;
  try {
    d.bind([this, account](const std::string& name) {
      std::lock_guard lock(mutex_);
      return export_value_locked(account, name);
    });
  } catch (const EvaluationError& e) {
    failure_reason = e.what();
  }
  ServiceCaller caller(engines_, buckets_.get(), c);
  ResourceRequest request{caller, stack_name, stack_id, "", c.account_id, c.region};
  struct Undo {
    std::string logical_id;
    enum { created, updated, replaced } kind;
    StackResource before;  // for updated / replaced
  };
  std::vector<Undo> undo;
  std::vector<StackResource> replaced;  // old physical resources to delete in cleanup
  std::vector<std::string> new_order;
  auto order = std::get<std::vector<std::string>>(creation_order(d.stack_template));

  auto record = [&](const StackResource& r, const std::string& status, const std::string& reason) {
    std::lock_guard lock(mutex_);
    auto stack = stacks_.at(stack_id);
    stack->resources[r.logical_id] = r;
    stack->resources[r.logical_id].status = status;
    stack->resources[r.logical_id].reason = reason;
    stack->resources[r.logical_id].updated = now();
    if (std::find(stack->order.begin(), stack->order.end(), r.logical_id) == stack->order.end()) {
      stack->order.push_back(r.logical_id);
    }
    add_event_locked(*stack, r.logical_id, r.physical_id, r.type, status, reason);
    persist_locked(*stack);
  };

  for (const auto& lid : order) {
    if (!failure_reason.empty()) break;
    const auto& spec = *d.stack_template.resource(lid);
    if (!d.included(spec)) continue;
    auto existing = d.live.find(lid);
    bool exists = existing != d.live.end() && existing->second.status != "DELETE_COMPLETE";
    json::object properties;
    try {
      properties = d.resolve_properties(spec);
    } catch (const EvaluationError& e) {
      StackResource r = exists ? existing->second : new_resource(lid, spec.type);
      record(r, exists ? "UPDATE_FAILED" : "CREATE_FAILED", e.what());
      failure_reason = "The following resource(s) failed to " + std::string(exists ? "update" : "create") +
                       ": [" + lid + "]. ";
      break;
    }
    new_order.push_back(lid);
    auto provider = make_provider(spec.type);
    if (exists && existing->second.type == spec.type && existing->second.properties == properties) {
      if (existing->second.deletion_policy != spec.deletion_policy) {
        existing->second.deletion_policy = spec.deletion_policy;
        std::lock_guard lock(mutex_);
        stacks_.at(stack_id)->resources[lid].deletion_policy = spec.deletion_policy;
      }
      continue;
    }
    request.logical_id = lid;
    if (!provider) {
      StackResource r = exists ? existing->second : new_resource(lid, spec.type);
      record(r, exists ? "UPDATE_FAILED" : "CREATE_FAILED",
             "Unrecognized resource types: [" + spec.type + "]");
      failure_reason = "The following resource(s) failed to update: [" + lid + "]. ";
      break;
    }
    if (!exists) {
      StackResource r = new_resource(lid, spec.type);
      r.deletion_policy = spec.deletion_policy;
      r.properties = properties;
      record(r, "CREATE_IN_PROGRESS", "");
      auto result = provider->create(request, properties);
      if (auto* ok = std::get_if<ProvisionedResource>(&result)) {
        r.physical_id = ok->physical_id;
        r.ref = ok->ref;
        r.attributes = ok->attributes;
        r.status = "CREATE_COMPLETE";
        d.live[lid] = r;
        undo.push_back({lid, Undo::created, {}});
        record(r, "CREATE_COMPLETE", "");
      } else {
        record(r, "CREATE_FAILED", std::get<std::string>(result));
        undo.push_back({lid, Undo::created, {}});
        failure_reason = "The following resource(s) failed to create: [" + lid + "]. ";
      }
      continue;
    }
    StackResource before = existing->second;
    bool replace = before.type != spec.type || provider->needs_replacement(before.properties, properties);
    StackResource r = before;
    r.properties = properties;
    r.deletion_policy = spec.deletion_policy;
    record(before, "UPDATE_IN_PROGRESS",
           replace ? "Requested update requires the creation of a new physical resource; hence creating one."
                   : "");
    ProvisionResult result =
        replace ? provider->create(request, properties)
                : provider->update(request,
                                   ProvisionedResource{before.physical_id, before.ref, before.attributes},
                                   before.properties, properties);
    if (auto* ok = std::get_if<ProvisionedResource>(&result)) {
      r.physical_id = ok->physical_id;
      r.ref = ok->ref;
      r.attributes = ok->attributes;
      d.live[lid] = r;
      if (replace) replaced.push_back(before);
      undo.push_back({lid, replace ? Undo::replaced : Undo::updated, before});
      record(r, "UPDATE_COMPLETE", "");
    } else {
      record(before, "UPDATE_FAILED", std::get<std::string>(result));
      failure_reason = "The following resource(s) failed to update: [" + lid + "]. ";
    }
  }
  json::array outputs;
  if (failure_reason.empty()) {
    try {
      outputs = d.outputs();
    } catch (const EvaluationError& e) {
      failure_reason = e.what();
    }
  }
  if (failure_reason.empty()) {
    {
      std::lock_guard lock(mutex_);
      auto stack = stacks_.at(stack_id);
      stack->template_body = template_body;
      stack->parameters = parameter_values;
      stack->capabilities = capabilities;
      stack->description = d.stack_template.description;
      stack->no_echo.clear();
      for (const auto& p : d.stack_template.parameters) {
        if (p.no_echo) stack->no_echo.push_back(p.name);
      }
      stack->outputs = outputs;
      stack->imports = d.imports;
      set_stack_status_locked(*stack, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", "");
    }
    // Cleanup: replaced physical resources, then resources no longer in the template.
    for (auto it = replaced.rbegin(); it != replaced.rend(); ++it) {
      if (it->deletion_policy == "Retain") continue;
      if (auto provider = make_provider(it->type)) {
        request.logical_id = it->logical_id;
        provider->remove(request, ProvisionedResource{it->physical_id, it->ref, it->attributes},
                         it->properties);
      }
      std::lock_guard lock(mutex_);
      add_event_locked(*stacks_.at(stack_id), it->logical_id, it->physical_id, it->type, "DELETE_COMPLETE",
                       "");
    }
    std::vector<std::string> removed;
    for (auto it = old_order.rbegin(); it != old_order.rend(); ++it) {
      if (std::find(new_order.begin(), new_order.end(), *it) == new_order.end()) removed.push_back(*it);
    }
    std::string failed;
    delete_resources(c, stack_id, removed, failed);
    std::lock_guard lock(mutex_);
    auto stack = stacks_.at(stack_id);
    std::vector<std::string> kept;
    for (const auto& id : stack->order) {
      if (std::find(removed.begin(), removed.end(), id) == removed.end()) kept.push_back(id);
    }
    for (const auto& id : removed) stack->resources.erase(id);
    // Keep the order the new template gives (dependencies first).
    stack->order.clear();
    for (const auto& id : order) {
      if (std::find(kept.begin(), kept.end(), id) != kept.end()) stack->order.push_back(id);
    }
    set_stack_status_locked(*stack, "UPDATE_COMPLETE", "");
    return;
  }
  // Update rollback: undo in reverse, restoring the previous resources.
  {
    std::lock_guard lock(mutex_);
    set_stack_status_locked(*stacks_.at(stack_id), "UPDATE_ROLLBACK_IN_PROGRESS", failure_reason);
  }
  for (auto it = undo.rbegin(); it != undo.rend(); ++it) {
    auto current = d.live.find(it->logical_id);
    request.logical_id = it->logical_id;
    if (it->kind == Undo::updated) {
      if (auto provider = make_provider(it->before.type); provider && current != d.live.end()) {
        provider->update(
            request,
            ProvisionedResource{current->second.physical_id, current->second.ref, current->second.attributes},
            current->second.properties, it->before.properties);
      }
      record(it->before, "UPDATE_COMPLETE", "");
    } else if (it->kind == Undo::replaced) {
      record(it->before, "UPDATE_COMPLETE", "");
    }
  }
  {
    std::lock_guard lock(mutex_);
    set_stack_status_locked(*stacks_.at(stack_id), "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS", "");
  }
  // Cleanup after rollback: resources the update created (new and replacement ones).
  for (auto it = undo.rbegin(); it != undo.rend(); ++it) {
    if (it->kind == Undo::updated) continue;
    auto current = d.live.find(it->logical_id);
    if (current == d.live.end() || current->second.physical_id.empty()) {
      if (it->kind == Undo::created) {
        std::lock_guard lock(mutex_);
        auto stack = stacks_.at(stack_id);
        stack->resources.erase(it->logical_id);
        std::erase(stack->order, it->logical_id);
      }
      continue;
    }
    if (auto provider = make_provider(current->second.type)) {
      provider->remove(
          request,
          ProvisionedResource{current->second.physical_id, current->second.ref, current->second.attributes},
          current->second.properties);
    }
    std::lock_guard lock(mutex_);
    auto stack = stacks_.at(stack_id);
    add_event_locked(*stack, it->logical_id, current->second.physical_id, current->second.type,
                     "DELETE_COMPLETE", "");
    if (it->kind == Undo::created) {
      stack->resources.erase(it->logical_id);
      std::erase(stack->order, it->logical_id);
    }
  }
  std::lock_guard lock(mutex_);
  auto stack = stacks_.at(stack_id);
  for (const auto& [id, r] : old_resources) stack->resources[id] = r;
  set_stack_status_locked(*stack, "UPDATE_ROLLBACK_COMPLETE", "");
}

}  // namespace fanout::services::cloudformation
