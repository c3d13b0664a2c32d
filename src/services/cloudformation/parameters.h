// A stack's parameter values: the supplied ones (or previous / default values) checked against
// the template's Parameters constraints with CloudFormation's ValidationError messages.
#pragma once

#include <boost/json/object.hpp>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "services/cloudformation/stack_template.h"

namespace fanout::services::cloudformation {

struct SuppliedParameter {
  std::string key;
  std::optional<std::string> value;
  bool use_previous = false;
};

// Parameter name -> value text (lists comma-joined, as DescribeStacks shows them).
using ParameterValues = std::map<std::string, std::string>;

std::variant<ParameterValues, std::string> resolve_parameters(const std::vector<ParameterSpec>& specs,
                                                              const std::vector<SuppliedParameter>& supplied,
                                                              const ParameterValues& previous);

// The values as intrinsics see them: list types become arrays.
boost::json::object parameter_scope(const std::vector<ParameterSpec>& specs, const ParameterValues& values);

// Reads the query API's Parameters list.
std::vector<SuppliedParameter> supplied_parameters(const boost::json::object& input);

}  // namespace fanout::services::cloudformation
