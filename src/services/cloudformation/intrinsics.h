// Evaluation of CloudFormation's intrinsic functions (Ref, Fn::GetAtt, Fn::Sub, Fn::Join, ...)
// and condition functions over a template's JSON, against a stack's parameters, pseudo
// parameters, mappings, conditions and the resources created so far.
#pragma once

#include <boost/json/value.hpp>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace fanout::services::cloudformation {

// AWS's ValidationError text for a template whose intrinsics cannot be evaluated.
struct EvaluationError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct PseudoParameters {
  std::string account_id;
  std::string region;
  std::string stack_name;
  std::string stack_id;
  std::string partition = "aws";
  std::string url_suffix = "amazonaws.com";
  std::vector<std::string> notification_arns;
};

struct EvaluationScope {
  PseudoParameters pseudo;
  const boost::json::object* parameters = nullptr;  // name -> string or array of strings
  const boost::json::object* mappings = nullptr;
  const std::map<std::string, bool>* conditions = nullptr;
  // A resource's Ref value and attributes; nullopt when it does not exist (yet).
  std::function<std::optional<boost::json::value>(const std::string& logical_id)> ref_resource;
  std::function<std::optional<boost::json::value>(const std::string& logical_id,
                                                  const std::string& attribute)>
      get_att;
  std::function<std::optional<std::string>(const std::string& export_name)> import_value;
};

class Evaluator {
 public:
  explicit Evaluator(const EvaluationScope& scope) : scope_(scope) {}

  // The fully resolved value; nullopt when it evaluates to AWS::NoValue. Throws EvaluationError.
  std::optional<boost::json::value> resolve(const boost::json::value& value) const;
  // A condition expression (Fn::Equals/And/Or/Not, Condition) to its truth value.
  bool condition(const boost::json::value& expression) const;

 private:
  boost::json::value call(const std::string& function, const boost::json::value& argument) const;
  boost::json::value ref(const std::string& name) const;
  std::string substitute(const std::string& text, const boost::json::object& variables) const;
  boost::json::value required(const boost::json::value& value, const std::string& function) const;

  const EvaluationScope& scope_;
};

// The condition names' truth values, in dependency order (conditions may reference others).
std::map<std::string, bool> evaluate_conditions(const boost::json::object& conditions,
                                                const EvaluationScope& scope);

// Text of a value as CloudFormation stringifies it: numbers and booleans as written, objects and
// arrays (e.g. a queue's RedrivePolicy given as JSON) as their JSON text.
std::string scalar_text(const boost::json::value& value);

}  // namespace fanout::services::cloudformation
