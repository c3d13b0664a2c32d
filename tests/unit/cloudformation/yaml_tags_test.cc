#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "services/cloudformation/template_document.h"

namespace fanout::services::cloudformation {
namespace {
namespace json = boost::json;

json::object parse_ok(std::string_view text) {
  auto parsed = parse_template_text(text);
  if (auto* error = std::get_if<std::string>(&parsed)) ADD_FAILURE() << *error;
  return std::get<json::object>(parsed);
}

TEST(YamlTags, PlainScalarsAreTypedAsTheCoreSchemaSays) {
  auto doc = parse_ok(
      "A: 42\nB: -7\nC: +3\nD: 1.5\nE: .5\nF: 2.\nG: 1.0e+3\nH: -2.5E-2\nI: 1e5\nJ: .\nK: 1.5e\n"
      "L: 0x1F\nM: 12a\nN: 1234567890123456789\nO: true\nP: ~\n");
  EXPECT_EQ(doc["A"], 42);
  EXPECT_EQ(doc["B"], -7);
  EXPECT_EQ(doc["C"], 3);
  EXPECT_EQ(doc["D"], 1.5);
  EXPECT_EQ(doc["E"], 0.5);
  EXPECT_EQ(doc["F"], 2.0);
  EXPECT_EQ(doc["G"], 1000.0);
  EXPECT_EQ(doc["H"], -0.025);
  for (const char* text : {"I", "J", "K", "L", "M"}) EXPECT_TRUE(doc[text].is_string()) << text;
  EXPECT_EQ(doc["N"], "1234567890123456789");  // too long for an integer: kept as written
  EXPECT_EQ(doc["O"], true);
  EXPECT_TRUE(doc["P"].is_null());
}

TEST(YamlTags, AHugeNumericScalarIsTypedWithoutRecursion) {
  // std::regex recursed per character here: 50,000 digits overflowed the stack.
  const std::string digits(200'000, '7');
  auto doc = parse_ok("A: " + digits + "\nB: " + digits + "." + digits + "\n");
  EXPECT_EQ(doc["A"], json::string(digits));
  EXPECT_TRUE(doc["B"].is_double());
}

TEST(YamlTags, ShortFormsBecomeLongForms) {
  auto doc = parse_ok(R"(
A: !Ref Thing
B: !GetAtt Queue.Arn
C: !Sub '${AWS::StackName}-x'
D: !Join [",", [a, b]]
E: !Select [0, !GetAZs ""]
F: !Split [",", "a,b"]
G: !If [Cond, yes, no]
H: !Equals [a, b]
I: !Not [!Condition Cond]
J: !FindInMap [M, k, v]
K: !ImportValue shared
L: !Base64 text
M: !GetAtt [Queue, QueueName]
N: !Sub
  - '${X}'
  - X: 1
)");
  EXPECT_EQ(doc["A"], json::parse(R"({"Ref":"Thing"})"));
  EXPECT_EQ(doc["B"], json::parse(R"({"Fn::GetAtt":["Queue","Arn"]})"));
  EXPECT_EQ(doc["C"], json::parse(R"({"Fn::Sub":"${AWS::StackName}-x"})"));
  EXPECT_EQ(doc["D"], json::parse(R"({"Fn::Join":[",",["a","b"]]})"));
  EXPECT_EQ(doc["E"], json::parse(R"({"Fn::Select":[0,{"Fn::GetAZs":""}]})"));
  EXPECT_EQ(doc["F"], json::parse(R"({"Fn::Split":[",","a,b"]})"));
  EXPECT_EQ(doc["G"], json::parse(R"({"Fn::If":["Cond","yes","no"]})"));
  EXPECT_EQ(doc["H"], json::parse(R"({"Fn::Equals":["a","b"]})"));
  EXPECT_EQ(doc["I"], json::parse(R"({"Fn::Not":[{"Condition":"Cond"}]})"));
  EXPECT_EQ(doc["J"], json::parse(R"({"Fn::FindInMap":["M","k","v"]})"));
  EXPECT_EQ(doc["K"], json::parse(R"({"Fn::ImportValue":"shared"})"));
  EXPECT_EQ(doc["L"], json::parse(R"({"Fn::Base64":"text"})"));
  EXPECT_EQ(doc["M"], json::parse(R"({"Fn::GetAtt":["Queue","QueueName"]})"));
  EXPECT_EQ(doc["N"], json::parse(R"({"Fn::Sub":["${X}",{"X":1}]})"));
}

TEST(YamlTags, PlainScalarsAreTypedQuotedOnesAreStrings) {
  auto doc = parse_ok("a: 60\nb: '60'\nc: true\nd: \"true\"\ne: 1.5\nf: text\n");
  EXPECT_TRUE(doc["a"].is_int64());
  EXPECT_TRUE(doc["b"].is_string());
  EXPECT_TRUE(doc["c"].is_bool());
  EXPECT_TRUE(doc["d"].is_string());
  EXPECT_TRUE(doc["e"].is_double());
  EXPECT_EQ(doc["f"], "text");
}

TEST(YamlTags, JsonTemplatesAndErrors) {
  auto doc = parse_ok(R"({"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}})");
  EXPECT_TRUE(doc.contains("Resources"));
  auto bad_json = parse_template_text("{\"Resources\": ");
  ASSERT_TRUE(std::holds_alternative<std::string>(bad_json));
  EXPECT_EQ(std::get<std::string>(bad_json), "Template format error: JSON not well-formed.");
  auto bad_yaml = parse_template_text("a: [1, 2\nb: c");
  ASSERT_TRUE(std::holds_alternative<std::string>(bad_yaml));
  EXPECT_TRUE(std::get<std::string>(bad_yaml).starts_with("Template format error: YAML not well-formed."));
  auto bad_tag = parse_template_text("a: !Bogus x\n");
  ASSERT_TRUE(std::holds_alternative<std::string>(bad_tag));
}

}  // namespace
}  // namespace fanout::services::cloudformation
