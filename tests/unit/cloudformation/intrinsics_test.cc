#include "services/cloudformation/intrinsics.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace fanout::services::cloudformation {
namespace {
namespace json = boost::json;

class IntrinsicsTest : public ::testing::Test {
 protected:
  IntrinsicsTest() {
    scope.pseudo.account_id = "123456789012";
    scope.pseudo.region = "eu-west-1";
    scope.pseudo.stack_name = "shop";
    scope.pseudo.stack_id = "arn:aws:cloudformation:eu-west-1:123456789012:stack/shop/1";
    scope.parameters = &parameters;
    scope.mappings = &mappings;
    scope.conditions = &conditions;
    scope.ref_resource = [](const std::string& id) -> std::optional<json::value> {
      if (id == "Queue") return json::value("http://localhost:4566/123456789012/q");
      return std::nullopt;
    };
    scope.get_att = [](const std::string& id, const std::string& attr) -> std::optional<json::value> {
      if (id == "Queue" && attr == "Arn") return json::value("arn:aws:sqs:eu-west-1:123456789012:q");
      return std::nullopt;
    };
    scope.import_value = [](const std::string& name) -> std::optional<std::string> {
      if (name == "shared-topic") return "arn:aws:sns:eu-west-1:123456789012:t";
      return std::nullopt;
    };
  }

  json::value eval(std::string_view text) {
    auto v = Evaluator(scope).resolve(json::parse(text));
    EXPECT_TRUE(v.has_value());
    return v ? *v : json::value();
  }

  EvaluationScope scope;
  json::object parameters = json::parse(R"({"Env":"prod","Sizes":["1","2","3"]})").as_object();
  json::object mappings = json::parse(R"({"EnvMap":{"prod":{"Retention":"1209600"}}})").as_object();
  std::map<std::string, bool> conditions = {{"IsProd", true}, {"IsDev", false}};
};

TEST_F(IntrinsicsTest, RefAndPseudoParameters) {
  EXPECT_EQ(eval(R"({"Ref":"AWS::Region"})"), "eu-west-1");
  EXPECT_EQ(eval(R"({"Ref":"AWS::AccountId"})"), "123456789012");
  EXPECT_EQ(eval(R"({"Ref":"AWS::Partition"})"), "aws");
  EXPECT_EQ(eval(R"({"Ref":"AWS::URLSuffix"})"), "amazonaws.com");
  EXPECT_EQ(eval(R"({"Ref":"Env"})"), "prod");
  EXPECT_EQ(eval(R"({"Ref":"Queue"})"), "http://localhost:4566/123456789012/q");
  EXPECT_THROW(eval(R"({"Ref":"Missing"})"), EvaluationError);
}

TEST_F(IntrinsicsTest, SubWithAndWithoutMap) {
  EXPECT_EQ(eval(R"({"Fn::Sub":"${AWS::StackName}-${Env}-${Queue.Arn}-${!Literal}"})"),
            "shop-prod-arn:aws:sqs:eu-west-1:123456789012:q-${Literal}");
  EXPECT_EQ(eval(R"({"Fn::Sub":["${Name}-x", {"Name": {"Ref":"Env"}}]})"), "prod-x");
}

TEST_F(IntrinsicsTest, ListFunctions) {
  EXPECT_EQ(eval(R"({"Fn::Join":["-",["a",{"Ref":"Env"},1]]})"), "a-prod-1");
  EXPECT_EQ(eval(R"({"Fn::Select":["1",{"Ref":"Sizes"}]})"), "2");
  EXPECT_EQ(eval(R"({"Fn::Split":[",","a,,b"]})"), json::parse(R"(["a","","b"])"));
  EXPECT_EQ(eval(R"({"Fn::Select":[2,{"Fn::GetAZs":""}]})"), "eu-west-1c");
  EXPECT_THROW(eval(R"({"Fn::Select":[5,["a"]]})"), EvaluationError);
  EXPECT_EQ(eval(R"({"Fn::Cidr":["10.0.0.0/16", 2, 8]})"), json::parse(R"(["10.0.0.0/24","10.0.1.0/24"])"));
}

TEST_F(IntrinsicsTest, MappingsConditionsImportsBase64) {
  EXPECT_EQ(eval(R"({"Fn::FindInMap":["EnvMap",{"Ref":"Env"},"Retention"]})"), "1209600");
  EXPECT_THROW(eval(R"({"Fn::FindInMap":["EnvMap","dev","Retention"]})"), EvaluationError);
  EXPECT_EQ(eval(R"({"Fn::If":["IsProd","big","small"]})"), "big");
  EXPECT_EQ(eval(R"({"Fn::If":["IsDev","big","small"]})"), "small");
  EXPECT_EQ(eval(R"({"Fn::ImportValue":"shared-topic"})"), "arn:aws:sns:eu-west-1:123456789012:t");
  EXPECT_THROW(eval(R"({"Fn::ImportValue":"nope"})"), EvaluationError);
  EXPECT_EQ(eval(R"({"Fn::Base64":"hi"})"), "aGk=");
}

TEST_F(IntrinsicsTest, NoValueRemovesMembers) {
  auto v = eval(
      R"({"A":{"Ref":"AWS::NoValue"},"B":{"Fn::If":["IsDev","x",{"Ref":"AWS::NoValue"}]},"C":[1,{"Ref":"AWS::NoValue"}]})");
  EXPECT_EQ(v, json::parse(R"({"C":[1]})"));
}

TEST_F(IntrinsicsTest, ConditionsReferencingConditions) {
  auto defs = json::parse(R"({
    "Both": {"Fn::And": [{"Condition": "IsProdEnv"}, {"Fn::Not": [{"Fn::Equals": [{"Ref": "Env"}, "dev"]}]}]},
    "IsProdEnv": {"Fn::Equals": [{"Ref": "Env"}, "prod"]},
    "Either": {"Fn::Or": [{"Condition": "Both"}, false]}
  })")
                  .as_object();
  auto values = evaluate_conditions(defs, scope);
  EXPECT_TRUE(values.at("IsProdEnv"));
  EXPECT_TRUE(values.at("Both"));
  EXPECT_TRUE(values.at("Either"));
  auto cyclic = json::parse(R"({"A": {"Condition": "B"}, "B": {"Condition": "A"}})").as_object();
  EXPECT_THROW(evaluate_conditions(cyclic, scope), EvaluationError);
}

}  // namespace
}  // namespace fanout::services::cloudformation
