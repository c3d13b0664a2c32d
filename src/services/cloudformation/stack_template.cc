#include "services/cloudformation/stack_template.h"

#include <algorithm>
#include <map>

#include "services/cloudformation/intrinsics.h"
#include "services/cloudformation/template_document.h"
#include "services/cloudformation/whole_number.h"

namespace fanout::services::cloudformation {
namespace json = boost::json;

namespace {

const std::set<std::string>& pseudo_parameters() {
  static const std::set<std::string> names = {"AWS::AccountId", "AWS::Region",          "AWS::StackName",
                                              "AWS::StackId",   "AWS::Partition",       "AWS::URLSuffix",
                                              "AWS::NoValue",   "AWS::NotificationARNs"};
  return names;
}

void collect_sub_names(const std::string& text, std::vector<std::string>& names) {
  std::size_t i = 0;
  while ((i = text.find("${", i)) != std::string::npos) {
    auto close = text.find('}', i + 2);
    if (close == std::string::npos) break;
    std::string name = text.substr(i + 2, close - i - 2);
    i = close + 1;
    if (name.empty() || name[0] == '!') continue;
    auto b = name.find_first_not_of(' ');
    auto e = name.find_last_not_of(' ');
    if (b == std::string::npos) continue;
    names.push_back(name.substr(b, e - b + 1));
  }
}

// Every name a value refers to: Ref targets, GetAtt resources, Sub variables (not in its map).
void collect_references(const json::value& value, std::vector<std::string>& refs) {
  if (value.is_array()) {
    for (const auto& item : value.as_array()) collect_references(item, refs);
    return;
  }
  if (!value.is_object()) return;
  const auto& object = value.as_object();
  if (object.size() == 1) {
    const auto& [key, arg] = *object.begin();
    if (key == "Ref" && arg.is_string()) {
      refs.emplace_back(arg.as_string());
      return;
    }
    if (key == "Fn::GetAtt") {
      if (arg.is_array() && !arg.as_array().empty() && arg.as_array()[0].is_string()) {
        refs.emplace_back(arg.as_array()[0].as_string());
        for (std::size_t i = 1; i < arg.as_array().size(); ++i) collect_references(arg.as_array()[i], refs);
      } else if (arg.is_string()) {
        std::string text(arg.as_string());
        refs.push_back(text.substr(0, text.find('.')));
      }
      return;
    }
    if (key == "Fn::Sub") {
      std::vector<std::string> names;
      const json::object* variables = nullptr;
      if (arg.is_string()) collect_sub_names(std::string(arg.as_string()), names);
      if (arg.is_array() && arg.as_array().size() == 2 && arg.as_array()[0].is_string()) {
        collect_sub_names(std::string(arg.as_array()[0].as_string()), names);
        if (arg.as_array()[1].is_object()) {
          variables = &arg.as_array()[1].as_object();
          collect_references(arg.as_array()[1], refs);
        }
      }
      for (auto& name : names) {
        if (variables && variables->contains(name)) continue;
        auto dot = name.find('.');
        refs.push_back(dot == std::string::npos || name.starts_with("AWS::") ? name : name.substr(0, dot));
      }
      return;
    }
  }
  for (const auto& [key, member] : object) collect_references(member, refs);
}

std::optional<std::string> text_member(const json::object& object, std::string_view key) {
  const auto* v = object.if_contains(key);
  if (!v || v->is_object() || v->is_array() || v->is_null()) return std::nullopt;
  return scalar_text(*v);
}

bool is_iam_type(const std::string& type) { return type.starts_with("AWS::IAM::"); }

}  // namespace

const ResourceSpec* StackTemplate::resource(const std::string& logical_id) const {
  for (const auto& r : resources) {
    if (r.logical_id == logical_id) return &r;
  }
  return nullptr;
}

bool StackTemplate::needs_iam() const {
  return std::any_of(resources.begin(), resources.end(), [](const auto& r) { return is_iam_type(r.type); });
}

bool StackTemplate::needs_named_iam() const {
  for (const auto& r : resources) {
    if (!is_iam_type(r.type) || !r.properties.is_object()) continue;
    for (const char* key :
         {"RoleName", "UserName", "GroupName", "ManagedPolicyName", "InstanceProfileName"}) {
      if (r.properties.as_object().contains(key)) return true;
    }
  }
  return false;
}

std::set<std::string> referenced_resources(const json::value& value,
                                           const std::set<std::string>& resource_ids) {
  std::vector<std::string> refs;
  collect_references(value, refs);
  std::set<std::string> out;
  for (auto& r : refs) {
    if (resource_ids.contains(r)) out.insert(r);
  }
  return out;
}

std::variant<StackTemplate, std::string> load_template(std::string_view text) {
  auto parsed = parse_template_text(text);
  if (auto* error = std::get_if<std::string>(&parsed)) return *error;
  StackTemplate t;
  t.document = std::move(std::get<json::object>(parsed));
  static const std::set<std::string> kSections = {"AWSTemplateFormatVersion",
                                                  "Description",
                                                  "Metadata",
                                                  "Parameters",
                                                  "Rules",
                                                  "Mappings",
                                                  "Conditions",
                                                  "Transform",
                                                  "Resources",
                                                  "Outputs",
                                                  "Hooks"};
  for (const auto& [key, value] : t.document) {
    if (!kSections.contains(std::string(key))) {
      return "Template format error: Invalid template property or properties [" + std::string(key) + "]";
    }
  }
  if (const auto* v = t.document.if_contains("AWSTemplateFormatVersion")) {
    if (scalar_text(*v) != "2010-09-09")
      return std::string("Template format error: Unsupported template version " + scalar_text(*v));
  }
  if (t.document.contains("Transform")) {
    return std::string("Template format error: Transforms are not supported by fanoutd");
  }
  if (const auto* v = t.document.if_contains("Description")) {
    if (!v->is_string())
      return std::string("Template format error: Every Description member must be a string.");
    t.description = std::string(v->as_string());
  }
  if (const auto* v = t.document.if_contains("Mappings")) {
    if (!v->is_object())
      return std::string("Template format error: Every Mappings member must be an object.");
    t.mappings = v->as_object();
  }
  if (const auto* v = t.document.if_contains("Conditions")) {
    if (!v->is_object())
      return std::string("Template format error: Every Conditions member must be an object.");
    t.conditions = v->as_object();
  }
  std::set<std::string> names = pseudo_parameters();
  if (const auto* v = t.document.if_contains("Parameters")) {
    if (!v->is_object()) return std::string("Template format error: Parameters must be an object.");
    for (const auto& [name, spec_value] : v->as_object()) {
      if (!spec_value.is_object()) {
        return "Template format error: Every Parameters object must contain a Type member.";
      }
      const auto& spec = spec_value.as_object();
      ParameterSpec p;
      p.name = std::string(name);
      auto type = text_member(spec, "Type");
      if (!type)
        return std::string("Template format error: Every Parameters object must contain a Type member.");
      p.type = *type;
      static const std::set<std::string> kTypes = {"String", "Number", "List<Number>", "CommaDelimitedList"};
      if (!kTypes.contains(p.type) && !p.type.starts_with("AWS::") && !p.type.starts_with("List<AWS::")) {
        return "Template format error: Unrecognized parameter type: " + p.type;
      }
      p.default_value = text_member(spec, "Default");
      if (const auto* d = spec.if_contains("Default"); d && d->is_array()) {
        std::string joined;
        for (const auto& item : d->as_array()) joined += (joined.empty() ? "" : ",") + scalar_text(item);
        p.default_value = joined;
      }
      if (const auto* allowed = spec.if_contains("AllowedValues")) {
        if (!allowed->is_array())
          return std::string("Template format error: Every AllowedValues member must be a list.");
        for (const auto& item : allowed->as_array()) p.allowed_values.push_back(scalar_text(item));
      }
      p.allowed_pattern = text_member(spec, "AllowedPattern");
      auto number = [&](std::string_view key) -> std::optional<double> {
        if (auto t = text_member(spec, key)) return std::strtod(t->c_str(), nullptr);
        return std::nullopt;
      };
      if (auto n = number("MinLength")) p.min_length = saturated_long_long(*n);
      if (auto n = number("MaxLength")) p.max_length = saturated_long_long(*n);
      p.min_value = number("MinValue");
      p.max_value = number("MaxValue");
      p.constraint_description = text_member(spec, "ConstraintDescription");
      if (auto d = text_member(spec, "Description")) p.description = *d;
      if (auto n = text_member(spec, "NoEcho")) p.no_echo = *n == "true";
      names.insert(p.name);
      t.parameters.push_back(std::move(p));
    }
  }
  const auto* resources = t.document.if_contains("Resources");
  if (!resources || !resources->is_object() || resources->as_object().empty()) {
    return std::string("Template format error: At least one Resources member must be defined.");
  }
  std::set<std::string> resource_ids;
  for (const auto& [logical_id, spec_value] : resources->as_object()) {
    std::string id(logical_id);
    bool alnum =
        !id.empty() && std::all_of(id.begin(), id.end(), [](unsigned char c) { return std::isalnum(c); });
    if (!alnum) return "Template format error: Resource name " + id + " is non alphanumeric.";
    if (!spec_value.is_object()) {
      return "Template format error: [/Resources/" + id + "] resource definition is malformed";
    }
    const auto& spec = spec_value.as_object();
    ResourceSpec r;
    r.logical_id = id;
    auto type = text_member(spec, "Type");
    if (!type)
      return "Template format error: [/Resources/" + id +
             "] Every Resources object must contain a Type member.";
    r.type = *type;
    static const std::set<std::string> kAttributes = {
        "Type",     "Properties",     "DependsOn",    "Condition", "DeletionPolicy", "UpdateReplacePolicy",
        "Metadata", "CreationPolicy", "UpdatePolicy", "Version"};
    for (const auto& [key, value] : spec) {
      if (!kAttributes.contains(std::string(key))) {
        return "Invalid template resource property '" + std::string(key) + "'";
      }
    }
    if (const auto* props = spec.if_contains("Properties")) {
      if (!props->is_object())
        return "Template format error: [/Resources/" + id + "/Properties] properties must be an object";
      r.properties = *props;
    } else {
      r.properties = json::object{};
    }
    if (const auto* deps = spec.if_contains("DependsOn")) {
      if (deps->is_string())
        r.depends_on.emplace_back(deps->as_string());
      else if (deps->is_array()) {
        for (const auto& d : deps->as_array()) {
          if (!d.is_string())
            return std::string("Template format error: DependsOn must be a string or list of strings");
          r.depends_on.emplace_back(d.as_string());
        }
      } else {
        return std::string("Template format error: DependsOn must be a string or list of strings");
      }
    }
    r.condition = text_member(spec, "Condition");
    if (r.condition && !t.conditions.contains(*r.condition)) {
      return "Template format error: Unresolved dependencies [" + *r.condition +
             "]. Cannot reference resources in the Conditions block of the template";
    }
    for (auto [key, target] : {std::pair{"DeletionPolicy", &r.deletion_policy},
                               std::pair{"UpdateReplacePolicy", &r.update_replace_policy}}) {
      if (auto v = text_member(spec, key)) {
        if (*v != "Delete" && *v != "Retain" && *v != "Snapshot" && *v != "RetainExceptOnCreate") {
          return "Template format error: Unrecognized " + std::string(key) + " " + *v + " for resource " + id;
        }
        *target = *v;
      }
    }
    if (!r.type.starts_with("AWS::") && !r.type.starts_with("Custom::") && !r.type.starts_with("Fanout::")) {
      return "Template format error: Unrecognized resource types: [" + r.type + "]";
    }
    resource_ids.insert(id);
    t.resources.push_back(std::move(r));
  }
  // Every Ref/GetAtt/Sub name must be a parameter, a pseudo parameter or a resource.
  std::set<std::string> unresolved;
  auto check_refs = [&](const json::value& value) {
    std::vector<std::string> refs;
    collect_references(value, refs);
    for (auto& name : refs) {
      if (!names.contains(name) && !resource_ids.contains(name)) unresolved.insert(name);
    }
  };
  for (const auto& r : t.resources) {
    check_refs(r.properties);
    for (const auto& d : r.depends_on) {
      if (!resource_ids.contains(d)) {
        return "Template format error: Unresolved resource dependencies [" + d +
               "] in the Resources block of the template";
      }
    }
  }
  if (!unresolved.empty()) {
    std::string list;
    for (const auto& n : unresolved) list += (list.empty() ? "" : ", ") + n;
    return "Template format error: Unresolved resource dependencies [" + list +
           "] in the Resources block of the template";
  }
  if (const auto* outputs = t.document.if_contains("Outputs")) {
    if (!outputs->is_object()) return std::string("Template format error: Outputs must be an object.");
    for (const auto& [name, spec_value] : outputs->as_object()) {
      if (!spec_value.is_object() || !spec_value.as_object().contains("Value")) {
        return "Template format error: Every Outputs member must contain a Value object, the Value object "
               "for Output " +
               std::string(name) + " is missing";
      }
      const auto& spec = spec_value.as_object();
      OutputSpec o;
      o.name = std::string(name);
      o.value = spec.at("Value");
      if (auto d = text_member(spec, "Description")) o.description = *d;
      if (const auto* e = spec.if_contains("Export")) {
        if (!e->is_object() || !e->as_object().contains("Name")) {
          return "Template format error: Output " + o.name +
                 " is malformed. The Name field of every Export member is required.";
        }
        o.export_name = e->as_object().at("Name");
      }
      o.condition = text_member(spec, "Condition");
      std::vector<std::string> refs;
      collect_references(o.value, refs);
      for (auto& n : refs) {
        if (!names.contains(n) && !resource_ids.contains(n)) {
          return "Template format error: Unresolved resource dependencies [" + n +
                 "] in the Outputs block of the template";
        }
      }
      t.outputs.push_back(std::move(o));
    }
  }
  if (auto order = creation_order(t); std::holds_alternative<std::string>(order))
    return std::get<std::string>(order);
  return t;
}

std::variant<std::vector<std::string>, std::string> creation_order(const StackTemplate& t) {
  std::set<std::string> ids;
  for (const auto& r : t.resources) ids.insert(r.logical_id);
  std::map<std::string, std::set<std::string>> deps;
  for (const auto& r : t.resources) {
    auto d = referenced_resources(r.properties, ids);
    d.insert(r.depends_on.begin(), r.depends_on.end());
    deps[r.logical_id] = std::move(d);
  }
  std::vector<std::string> order;
  std::set<std::string> done;
  // Kahn's algorithm in template order, so independent resources keep the author's order.
  while (order.size() < t.resources.size()) {
    bool progress = false;
    for (const auto& r : t.resources) {
      if (done.contains(r.logical_id)) continue;
      const auto& d = deps[r.logical_id];
      if (std::all_of(d.begin(), d.end(), [&](const auto& x) { return done.contains(x); })) {
        done.insert(r.logical_id);
        order.push_back(r.logical_id);
        progress = true;
      }
    }
    if (!progress) {
      std::string list;
      for (const auto& r : t.resources) {
        if (!done.contains(r.logical_id)) list += (list.empty() ? "" : ", ") + r.logical_id;
      }
      return "Circular dependency between resources: [" + list + "]";
    }
  }
  return order;
}

}  // namespace fanout::services::cloudformation
