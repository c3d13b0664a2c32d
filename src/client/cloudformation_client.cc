#include "client/cloudformation_client.h"

#include <pugixml.hpp>

#include "client/service_caller.h"
#include "client/wire_protocols.h"

namespace fanout::client {

CloudFormationClient::CloudFormationClient(const ClientConfig& config)
    : caller_(std::make_unique<ServiceCaller>(config, "cloudformation", parse_xml_error)) {}
CloudFormationClient::~CloudFormationClient() = default;
CloudFormationClient::CloudFormationClient(CloudFormationClient&&) noexcept = default;

std::vector<CloudFormationStack> CloudFormationClient::describe_stacks(const std::string& stack_name) {
  std::vector<CloudFormationStack> stacks;
  std::string next_token;
  do {
    QueryParams params;
    if (!stack_name.empty()) params.emplace_back("StackName", stack_name);
    if (!next_token.empty()) params.emplace_back("NextToken", next_token);
    const std::string body = call_query(*caller_, "DescribeStacks", "2010-05-15", params);
    pugi::xml_document doc;
    if (!doc.load_buffer(body.data(), body.size())) {
      throw AwsError("SerializationException", "unparseable DescribeStacksResponse", 200, "");
    }
    pugi::xml_node result = doc.child("DescribeStacksResponse").child("DescribeStacksResult");
    for (pugi::xml_node member : result.child("Stacks").children("member")) {
      CloudFormationStack stack{member.child_value("StackName"),
                                member.child_value("StackId"),
                                member.child_value("StackStatus"),
                                member.child_value("StackStatusReason"),
                                {}};
      for (pugi::xml_node output : member.child("Outputs").children("member")) {
        stack.outputs[output.child_value("OutputKey")] = output.child_value("OutputValue");
      }
      stacks.push_back(std::move(stack));
    }
    next_token = result.child_value("NextToken");
  } while (!next_token.empty());
  return stacks;
}

}  // namespace fanout::client
