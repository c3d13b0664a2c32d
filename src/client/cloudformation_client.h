// AWS CloudFormation (query protocol): DescribeStacks, enough to read a stack's status and Outputs.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace fanout::client {

struct ClientConfig;
class ServiceCaller;

struct CloudFormationStack {
  std::string stack_name;
  std::string stack_id;
  std::string stack_status;
  std::string stack_status_reason;
  std::map<std::string, std::string> outputs;  // OutputKey -> OutputValue
};

class CloudFormationClient {
 public:
  explicit CloudFormationClient(const ClientConfig& config);
  ~CloudFormationClient();
  CloudFormationClient(CloudFormationClient&&) noexcept;

  // All stacks when stack_name is empty (following NextToken).
  std::vector<CloudFormationStack> describe_stacks(const std::string& stack_name = "");

  ServiceCaller& caller() { return *caller_; }

 private:
  std::unique_ptr<ServiceCaller> caller_;
};

}  // namespace fanout::client
