// CloudFormation templates: YAML (short-form tags) or JSON text parsed and checked as
// CreateStack/ValidateTemplate do, parameters resolved against their constraints, conditions
// evaluated, the resources ordered by their dependencies, and every resource's properties and
// every output resolved through the intrinsic functions, as a stack operation does. Only
// ValidationError-shaped outcomes (an error text or EvaluationError) are acceptable failures.
#include <boost/json/value.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "services/cloudformation/intrinsics.h"
#include "services/cloudformation/parameters.h"
#include "services/cloudformation/stack_template.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace fanout::services::cloudformation;
  namespace json = boost::json;
  std::string_view text(reinterpret_cast<const char*>(data), size);

  auto loaded = load_template(text);
  if (auto* error = std::get_if<std::string>(&loaded)) {
    if (error->empty()) __builtin_trap();
    return 0;
  }
  const auto& stack_template = std::get<StackTemplate>(loaded);
  (void)stack_template.needs_iam();
  (void)stack_template.needs_named_iam();

  std::vector<SuppliedParameter> supplied;
  for (const auto& spec : stack_template.parameters) {
    if (!spec.default_value) supplied.push_back({spec.name, std::string("1"), false});
  }
  auto resolved = resolve_parameters(stack_template.parameters, supplied, {});
  if (std::holds_alternative<std::string>(resolved)) return 0;
  const json::object parameters =
      parameter_scope(stack_template.parameters, std::get<ParameterValues>(resolved));

  std::map<std::string, bool> conditions;
  EvaluationScope scope;
  scope.pseudo.account_id = "000000000000";
  scope.pseudo.region = "us-east-1";
  scope.pseudo.stack_name = "fuzz";
  scope.pseudo.stack_id = "arn:aws:cloudformation:us-east-1:000000000000:stack/fuzz/1";
  scope.parameters = &parameters;
  scope.mappings = &stack_template.mappings;
  scope.conditions = &conditions;
  scope.ref_resource = [&](const std::string& id) -> std::optional<json::value> {
    if (!stack_template.resource(id)) return std::nullopt;
    return json::value("physical-" + id);
  };
  scope.get_att = [&](const std::string& id, const std::string& attribute) -> std::optional<json::value> {
    if (!stack_template.resource(id) || attribute == "Missing") return std::nullopt;
    return json::value(id + "." + attribute);
  };
  scope.import_value = [](const std::string& name) -> std::optional<std::string> {
    if (name == "known") return std::string("imported");
    return std::nullopt;
  };

  try {
    conditions = evaluate_conditions(stack_template.conditions, scope);
    auto order = creation_order(stack_template);
    if (auto* error = std::get_if<std::string>(&order)) {
      if (error->empty()) __builtin_trap();
      return 0;
    }
    for (const auto& id : std::get<std::vector<std::string>>(order)) {
      const ResourceSpec* spec = stack_template.resource(id);
      if (!spec) __builtin_trap();  // the order names only the template's resources
      // As the engine does: a resource's condition is one the template declares.
      if (spec->condition && !conditions.at(*spec->condition)) continue;
      (void)Evaluator(scope).resolve(spec->properties);
    }
    for (const auto& output : stack_template.outputs) {
      if (output.condition && !conditions.at(*output.condition)) continue;
      if (auto value = Evaluator(scope).resolve(output.value)) (void)scalar_text(*value);
      if (output.export_name) (void)Evaluator(scope).resolve(*output.export_name);
    }
  } catch (const EvaluationError& error) {
    if (std::string_view(error.what()).empty()) __builtin_trap();
  }
  return 0;
}
