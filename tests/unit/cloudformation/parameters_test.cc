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

std::string pattern_error(const std::string& pattern, const std::string& value) {
  auto loaded = load_template("Parameters:\n  P: {Type: String, AllowedPattern: '" + pattern +
                              "'}\nResources:\n  Q: {Type: AWS::SQS::Queue}\n");
  auto r = resolve_parameters(std::get<StackTemplate>(loaded).parameters, {{"P", value}}, {});
  return std::holds_alternative<std::string>(r) ? std::get<std::string>(r) : std::string("<ok>");
}

constexpr std::string_view kInvalid = "Parameter 'P' has an invalid AllowedPattern (";

TEST(Parameters, AllowedPatternsRE2CannotTakeAreInvalidWithItsReason) {
  // Counts that overflowed libstdc++'s regex parser (UB, found by the cfn_template fuzzer): RE2
  // reads a brace it cannot take as a count as a literal, as Perl does.
  EXPECT_EQ(pattern_error("a{1111111111111111111}", "a"),
            "Parameter 'P' must match pattern a{1111111111111111111}");
  EXPECT_EQ(pattern_error("a{2,1111111111111111111}", "a{2,1111111111111111111}"), "<ok>");
  EXPECT_NE(pattern_error("(a)\\1111111111111111111", "a"), "<ok>");
  // What RE2 leaves out: repeat counts above 1000, backreferences, lookaround.
  EXPECT_TRUE(pattern_error("a{1001}", "a").starts_with(kInvalid));
  EXPECT_TRUE(pattern_error("(a)\\1", "aa").starts_with(kInvalid));
  EXPECT_TRUE(pattern_error("a(?=b)", "a").starts_with(kInvalid));
  EXPECT_NE(pattern_error("(a)\\1", "aa").find("invalid escape sequence"), std::string::npos)
      << pattern_error("(a)\\1", "aa");
  EXPECT_TRUE(pattern_error("[a-z", "a").starts_with(kInvalid));
  EXPECT_EQ(pattern_error("[a-z]{1,64}", "shop"), "<ok>");
  EXPECT_EQ(pattern_error("[0-9{]+x\\{99999", "1{x{99999"), "<ok>");  // literal braces are not counts
  EXPECT_EQ(
      pattern_error("^arn:aws:sqs:[a-z0-9-]+:\\d{12}:[\\w-]{1,80}$", "arn:aws:sqs:us-east-1:123456789012:q"),
      "<ok>");
  EXPECT_EQ(pattern_error("(?i)[a-z]+", "Shop"), "<ok>");
}

TEST(Parameters, AllowedPatternMatchesLongValuesWithoutRecursion) {
  // std::regex recursed per character: `(a|b)*` against 4,096 characters overflowed the stack.
  const std::string long_value(200'000, 'a');
  EXPECT_EQ(pattern_error("(a|b)*", long_value), "<ok>");
  EXPECT_EQ(pattern_error("[a-z]+", long_value), "<ok>");
  EXPECT_EQ(pattern_error("(a+)+b", long_value), "Parameter 'P' must match pattern (a+)+b");  // no blow-up
  // A pattern nested far deeper than any real one is refused or matched, never a crash.
  const std::string deep = std::string(50'000, '(') + "a" + std::string(50'000, ')');
  const auto deep_result = pattern_error(deep, "a");
  EXPECT_TRUE(deep_result == "<ok>" || deep_result.starts_with(kInvalid)) << deep_result.substr(0, 200);
}

// Limits beyond long long's range (found by the cfn_template fuzzer: converting such a double was
// undefined behaviour) still work, and print as numbers.
TEST(Parameters, LimitsBeyondLongLongRange) {
  auto loaded = load_template(R"(
Parameters:
  Big: {Type: Number, MinValue: 888888888888888888888888888888888888888888888888888888888880}
  Huge: {Type: Number, MaxValue: -1e300}
  Long: {Type: String, MinLength: 1e30}
  Short: {Type: String, MaxLength: 1e30}
Resources:
  Q: {Type: AWS::SQS::Queue}
)");
  const auto& parameters = std::get<StackTemplate>(loaded).parameters;
  auto error = [&](const std::string& name, const std::string& value) {
    std::vector<ParameterSpec> one;
    for (const auto& p : parameters)
      if (p.name == name) one.push_back(p);
    auto r = resolve_parameters(one, {{name, value}}, {});
    return std::holds_alternative<std::string>(r) ? std::get<std::string>(r) : std::string("<ok>");
  };
  EXPECT_EQ(error("Big", "5"), "Parameter 'Big' must be a number not less than 8.8888888888888892e+59");
  EXPECT_EQ(error("Huge", "0"),
            "Parameter 'Huge' must be a number not greater than -1.0000000000000001e+300");
  EXPECT_EQ(error("Long", "abc"), "Parameter 'Long' must contain at least 9200000000000000000 characters");
  EXPECT_EQ(error("Short", "abc"), "<ok>");
}

TEST(Parameters, UsePreviousValue) {
  SuppliedParameter previous{"Name", std::nullopt, true};
  auto r = resolve_parameters(specs(), {previous}, {{"Name", "old"}});
  ASSERT_TRUE(std::holds_alternative<ParameterValues>(r));
  EXPECT_EQ(std::get<ParameterValues>(r)["Name"], "old");
}

}  // namespace
}  // namespace fanout::services::cloudformation
