#include "services/cloudformation/parameters.h"

#include <gtest/gtest.h>

namespace fanout::services::cloudformation {
namespace {

std::vector<ParameterSpec> specs() {
  auto loaded = load_template(R"(
Parameters:
  Env: {Type: String, AllowedValues: [dev, prod], Default: dev}
  Name: {Type: String, AllowedPattern: '[a-z]+', MinLength: 2, MaxLength: 8}
  Interval: {Type: Number, MinValue: 60, MaxValue: 900, Default: 300}
  Zones: {Type: CommaDelimitedList, Default: 'a, b'}
Resources:
  Q: {Type: AWS::SQS::Queue}
)");
  return std::get<StackTemplate>(loaded).parameters;
}

std::string error_of(const std::vector<SuppliedParameter>& supplied, const ParameterValues& previous = {}) {
  auto r = resolve_parameters(specs(), supplied, previous);
  return std::holds_alternative<std::string>(r) ? std::get<std::string>(r) : std::string("<ok>");
}

TEST(Parameters, DefaultsAndSuppliedValues) {
  auto r = resolve_parameters(specs(), {{"Name", "shop"}}, {});
  ASSERT_TRUE(std::holds_alternative<ParameterValues>(r)) << std::get<std::string>(r);
  auto values = std::get<ParameterValues>(r);
  EXPECT_EQ(values["Env"], "dev");
  EXPECT_EQ(values["Interval"], "300");
  auto scope = parameter_scope(specs(), values);
  EXPECT_EQ(scope["Zones"].as_array().size(), 2u);
  EXPECT_EQ(scope["Zones"].as_array()[1], "b");
}

TEST(Parameters, ValidationErrorsAsAws) {
  EXPECT_EQ(error_of({}), "Parameters: [Name] must have values");
  EXPECT_EQ(error_of({{"Name", "shop"}, {"Bogus", "x"}}), "Parameters: [Bogus] do not exist in the template");
  EXPECT_EQ(error_of({{"Name", "shop"}, {"Env", "qa"}}), "Parameter 'Env' must be one of AllowedValues");
  EXPECT_EQ(error_of({{"Name", "Shop"}}), "Parameter 'Name' must match pattern [a-z]+");
  EXPECT_EQ(error_of({{"Name", "s"}}), "Parameter 'Name' must contain at least 2 characters");
  EXPECT_EQ(error_of({{"Name", "abcdefghij"}}), "Parameter 'Name' must contain at most 8 characters");
  EXPECT_EQ(error_of({{"Name", "shop"}, {"Interval", "x"}}), "Parameter 'Interval' must be a number");
  EXPECT_EQ(error_of({{"Name", "shop"}, {"Interval", "30"}}),
            "Parameter 'Interval' must be a number not less than 60");
  EXPECT_EQ(error_of({{"Name", "shop"}, {"Interval", "901"}}),
            "Parameter 'Interval' must be a number not greater than 900");
}

TEST(Parameters, AllowedPatternWithAHugeRepeatCountIsInvalid) {
  auto spec_with = [](const std::string& pattern) {
    auto loaded = load_template("Parameters:\n  P: {Type: String, AllowedPattern: '" + pattern +
                                "'}\nResources:\n  Q: {Type: AWS::SQS::Queue}\n");
    return std::get<StackTemplate>(loaded).parameters;
  };
  auto error = [&](const std::string& pattern, const std::string& value) {
    auto r = resolve_parameters(spec_with(pattern), {{"P", value}}, {});
    return std::holds_alternative<std::string>(r) ? std::get<std::string>(r) : std::string("<ok>");
  };
  // The fuzzer's input: a count that overflows libstdc++'s parser (UB before the check).
  EXPECT_EQ(error("a{1111111111111111111}", "a"), "Parameter 'P' has an invalid AllowedPattern");
  EXPECT_EQ(error("a{2,1111111111111111111}", "aa"), "Parameter 'P' has an invalid AllowedPattern");
  EXPECT_EQ(error("a{10001}", "a"), "Parameter 'P' has an invalid AllowedPattern");
  EXPECT_EQ(error("(a)\\1111111111111111111", "a"), "Parameter 'P' has an invalid AllowedPattern");
  EXPECT_EQ(error("(a)\\1", "aa"), "<ok>");
  EXPECT_EQ(error("[a-z]{1,64}", "shop"), "<ok>");
  EXPECT_EQ(error("[0-9{]+x\\{99999", "1{x{99999"), "<ok>");  // literal braces are not counts
}

TEST(Parameters, UsePreviousValue) {
  SuppliedParameter previous{"Name", std::nullopt, true};
  auto r = resolve_parameters(specs(), {previous}, {{"Name", "old"}});
  ASSERT_TRUE(std::holds_alternative<ParameterValues>(r));
  EXPECT_EQ(std::get<ParameterValues>(r)["Name"], "old");
}

}  // namespace
}  // namespace fanout::services::cloudformation
