// A template's sections, checked for the structural errors CloudFormation reports at
// CreateStack/ValidateTemplate time, with the resources' dependency order.
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

namespace fanout::services::cloudformation {

struct ParameterSpec {
  std::string name;
  std::string type = "String";
  std::optional<std::string> default_value;
  std::vector<std::string> allowed_values;
  std::optional<std::string> allowed_pattern;
  std::optional<long long> min_length, max_length;
  std::optional<double> min_value, max_value;
  std::optional<std::string> constraint_description;
  std::string description;
  bool no_echo = false;
};

struct ResourceSpec {
  std::string logical_id;
  std::string type;
  boost::json::value properties;  // object (or null when absent)
  std::vector<std::string> depends_on;
  std::optional<std::string> condition;
  std::string deletion_policy = "Delete";
  std::string update_replace_policy = "Delete";
};

struct OutputSpec {
  std::string name;
  boost::json::value value;
  std::string description;
  std::optional<boost::json::value> export_name;
  std::optional<std::string> condition;
};

struct StackTemplate {
  boost::json::object document;
  std::string description;
  std::vector<ParameterSpec> parameters;
  boost::json::object mappings;
  boost::json::object conditions;
  std::vector<ResourceSpec> resources;  // in template order
  std::vector<OutputSpec> outputs;

  const ResourceSpec* resource(const std::string& logical_id) const;
  // Resource types that need CAPABILITY_IAM, and whether any is named (CAPABILITY_NAMED_IAM).
  bool needs_iam() const;
  bool needs_named_iam() const;
};

// Parses and checks a template text; the ValidationError message otherwise.
std::variant<StackTemplate, std::string> load_template(std::string_view text);

// Logical ids of the resources `value` references through Ref, Fn::GetAtt and Fn::Sub (only names
// in `resource_ids`; parameters and pseudo parameters are not dependencies).
std::set<std::string> referenced_resources(const boost::json::value& value,
                                           const std::set<std::string>& resource_ids);

// Resources in an order where each comes after everything it depends on (DependsOn and implicit
// references); "Circular dependency between resources: [...]" otherwise.
std::variant<std::vector<std::string>, std::string> creation_order(const StackTemplate& stack_template);

}  // namespace fanout::services::cloudformation
