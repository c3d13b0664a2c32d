#include <gtest/gtest.h>

#include <algorithm>

#include "services/cloudformation/stack_template.h"

namespace fanout::services::cloudformation {
namespace {

std::vector<std::string> order_of(std::string_view text) {
  auto loaded = load_template(text);
  if (auto* e = std::get_if<std::string>(&loaded)) {
    ADD_FAILURE() << *e;
    return {};
  }
  return std::get<std::vector<std::string>>(creation_order(std::get<StackTemplate>(loaded)));
}

std::size_t position(const std::vector<std::string>& order, const std::string& id) {
  return static_cast<std::size_t>(std::find(order.begin(), order.end(), id) - order.begin());
}

TEST(DependencyOrder, ImplicitAndExplicitDependencies) {
  auto order = order_of(R"(
Resources:
  Sub:
    Type: AWS::SNS::Subscription
    Properties:
      TopicArn: !Ref Topic
      Endpoint: !GetAtt Queue.Arn
      Protocol: sqs
  Policy:
    Type: AWS::SQS::QueuePolicy
    Properties:
      Queues: [!Ref Queue]
      PolicyDocument: !Sub '{"x": "${Topic}"}'
  Topic:
    Type: AWS::SNS::Topic
  Queue:
    Type: AWS::SQS::Queue
    DependsOn: Last
  Last:
    Type: AWS::SQS::Queue
)");
  ASSERT_EQ(order.size(), 5u);
  EXPECT_LT(position(order, "Topic"), position(order, "Sub"));
  EXPECT_LT(position(order, "Queue"), position(order, "Sub"));
  EXPECT_LT(position(order, "Topic"), position(order, "Policy"));
  EXPECT_LT(position(order, "Last"), position(order, "Queue"));
}

TEST(DependencyOrder, CyclesAndUnresolvedReferencesAreValidationErrors) {
  auto cyclic = load_template(R"(
Resources:
  A: {Type: AWS::SQS::Queue, DependsOn: B}
  B: {Type: AWS::SQS::Queue, Properties: {QueueName: !GetAtt A.QueueName}}
)");
  ASSERT_TRUE(std::holds_alternative<std::string>(cyclic));
  EXPECT_EQ(std::get<std::string>(cyclic), "Circular dependency between resources: [A, B]");

  auto unresolved =
      load_template("Resources:\n  A: {Type: AWS::SQS::Queue, Properties: {QueueName: !Ref Nope}}\n");
  ASSERT_TRUE(std::holds_alternative<std::string>(unresolved));
  EXPECT_EQ(std::get<std::string>(unresolved),
            "Template format error: Unresolved resource dependencies [Nope] in the Resources block of the "
            "template");

  auto empty = load_template("Description: nothing\n");
  ASSERT_TRUE(std::holds_alternative<std::string>(empty));
  EXPECT_EQ(std::get<std::string>(empty),
            "Template format error: At least one Resources member must be defined.");

  auto unknown_type = load_template("Resources:\n  A: {Type: 'My::Thing'}\n");
  ASSERT_TRUE(std::holds_alternative<std::string>(unknown_type));
  EXPECT_EQ(std::get<std::string>(unknown_type),
            "Template format error: Unrecognized resource types: [My::Thing]");
}

TEST(DependencyOrder, CapabilitiesFollowIamResources) {
  auto unnamed = std::get<StackTemplate>(load_template(
      "Resources:\n  R: {Type: AWS::IAM::Role, Properties: {AssumeRolePolicyDocument: {Statement: []}}}\n"));
  EXPECT_TRUE(unnamed.needs_iam());
  EXPECT_FALSE(unnamed.needs_named_iam());
  auto named =
      std::get<StackTemplate>(load_template("Resources:\n  R: {Type: AWS::IAM::Role, Properties: {RoleName: "
                                            "x, AssumeRolePolicyDocument: {Statement: []}}}\n"));
  EXPECT_TRUE(named.needs_named_iam());
}

}  // namespace
}  // namespace fanout::services::cloudformation
