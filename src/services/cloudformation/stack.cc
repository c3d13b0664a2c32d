#include "services/cloudformation/stack.h"

namespace fanout::services::cloudformation {
namespace json = boost::json;

namespace {

json::array strings(const std::vector<std::string>& items) {
  json::array out;
  for (const auto& s : items) out.push_back(json::string(s));
  return out;
}

std::vector<std::string> strings(const json::object& o, std::string_view key) {
  std::vector<std::string> out;
  if (const auto* v = o.if_contains(key); v && v->is_array()) {
    for (const auto& s : v->as_array()) {
      if (s.is_string()) out.emplace_back(s.as_string());
    }
  }
  return out;
}

json::object params(const ParameterValues& values) {
  json::object out;
  for (const auto& [k, v] : values) out[k] = v;
  return out;
}

ParameterValues params(const json::object& o, std::string_view key) {
  ParameterValues out;
  if (const auto* v = o.if_contains(key); v && v->is_object()) {
    for (const auto& [k, value] : v->as_object()) out[std::string(k)] = std::string(value.as_string());
  }
  return out;
}

std::string text(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

double number(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (!v) return 0;
  if (v->is_double()) return v->as_double();
  if (v->is_int64()) return static_cast<double>(v->as_int64());
  return 0;
}

json::object object(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_object() ? v->as_object() : json::object{};
}

json::array array(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_array() ? v->as_array() : json::array{};
}

}  // namespace

json::object Stack::to_json() const {
  json::object resources_json;
  for (const auto& [id, r] : resources) {
    resources_json[id] = json::object{
        {"type", r.type},     {"physical_id", r.physical_id}, {"status", r.status},
        {"reason", r.reason}, {"updated", r.updated},         {"properties", r.properties},
        {"ref", r.ref},       {"attributes", r.attributes},   {"deletion_policy", r.deletion_policy}};
  }
  json::object change_sets_json;
  for (const auto& [name, c] : change_sets) {
    change_sets_json[name] = json::object{{"id", c.id},
                                          {"type", c.type},
                                          {"status", c.status},
                                          {"execution_status", c.execution_status},
                                          {"reason", c.reason},
                                          {"description", c.description},
                                          {"created", c.created},
                                          {"template_body", c.template_body},
                                          {"parameters", params(c.parameters)},
                                          {"capabilities", strings(c.capabilities)},
                                          {"tags", c.tags},
                                          {"changes", c.changes}};
  }
  return json::object{{"id", id},
                      {"name", name},
                      {"status", status},
                      {"reason", reason},
                      {"description", description},
                      {"template_body", template_body},
                      {"parameters", params(parameters)},
                      {"no_echo", strings(no_echo)},
                      {"capabilities", strings(capabilities)},
                      {"notification_arns", strings(notification_arns)},
                      {"tags", tags},
                      {"created", created},
                      {"updated", updated},
                      {"deleted", deleted},
                      {"disable_rollback", disable_rollback},
                      {"on_failure", on_failure},
                      {"outputs", outputs},
                      {"imports", strings(imports)},
                      {"resources", resources_json},
                      {"order", strings(order)},
                      {"change_sets", change_sets_json},
                      {"next_event", next_event}};
}

Stack Stack::from_json(const json::object& o) {
  Stack s;
  s.id = text(o, "id");
  s.name = text(o, "name");
  s.status = text(o, "status");
  s.reason = text(o, "reason");
  s.description = text(o, "description");
  s.template_body = text(o, "template_body");
  s.parameters = params(o, "parameters");
  s.no_echo = strings(o, "no_echo");
  s.capabilities = strings(o, "capabilities");
  s.notification_arns = strings(o, "notification_arns");
  s.tags = array(o, "tags");
  s.created = number(o, "created");
  s.updated = number(o, "updated");
  s.deleted = number(o, "deleted");
  if (const auto* v = o.if_contains("disable_rollback"); v && v->is_bool()) s.disable_rollback = v->as_bool();
  s.on_failure = text(o, "on_failure");
  s.outputs = array(o, "outputs");
  s.imports = strings(o, "imports");
  for (const auto& [id, value] : object(o, "resources")) {
    const auto& r = value.as_object();
    StackResource res;
    res.logical_id = std::string(id);
    res.type = text(r, "type");
    res.physical_id = text(r, "physical_id");
    res.status = text(r, "status");
    res.reason = text(r, "reason");
    res.updated = number(r, "updated");
    res.properties = object(r, "properties");
    if (const auto* ref = r.if_contains("ref")) res.ref = *ref;
    res.attributes = object(r, "attributes");
    res.deletion_policy = text(r, "deletion_policy");
    s.resources[res.logical_id] = std::move(res);
  }
  s.order = strings(o, "order");
  for (const auto& [name, value] : object(o, "change_sets")) {
    const auto& c = value.as_object();
    ChangeSet cs;
    cs.name = std::string(name);
    cs.id = text(c, "id");
    cs.type = text(c, "type");
    cs.status = text(c, "status");
    cs.execution_status = text(c, "execution_status");
    cs.reason = text(c, "reason");
    cs.description = text(c, "description");
    cs.created = number(c, "created");
    cs.template_body = text(c, "template_body");
    cs.parameters = params(c, "parameters");
    cs.capabilities = strings(c, "capabilities");
    cs.tags = array(c, "tags");
    cs.changes = array(c, "changes");
    s.change_sets[cs.name] = std::move(cs);
  }
  if (const auto* v = o.if_contains("next_event"); v && v->is_number())
    s.next_event = v->to_number<std::uint64_t>();
  return s;
}

}  // namespace fanout::services::cloudformation
