// Shared by the CloudFormation engine's translation units.
#pragma once

#include <boost/json/object.hpp>
#include <string>

#include "protocol/service_error.h"
#include "services/cloudformation/stack.h"
#include "services/cloudformation/stack_template.h"

namespace fanout::services::cloudformation {

inline constexpr std::string_view kStacksFamily = "cfn_stacks";
inline constexpr std::string_view kEventsFamily = "cfn_events";

inline protocol::ServiceError validation_error(std::string message) {
  return protocol::ServiceError::make("ValidationError", std::move(message));
}

inline std::string text_input(const boost::json::object& input, std::string_view key) {
  const auto* v = input.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::vector<std::string> string_list(const boost::json::object& input, std::string_view key);

// Capabilities the template needs that `granted` lacks; empty when none.
std::optional<protocol::ServiceError> check_capabilities(const StackTemplate& stack_template,
                                                         const std::vector<std::string>& granted);

class BucketOperations;

// The template text of TemplateBody, or of the object in this server's S3 that TemplateURL names
// (path-style or virtual-hosted URL, as `aws cloudformation deploy --s3-bucket` passes it).
std::variant<std::string, protocol::ServiceError> template_text(const boost::json::object& input,
                                                                const BucketOperations* buckets,
                                                                const std::string& account_id);

// The Stack shape of DescribeStacks.
boost::json::object describe_stack_json(const Stack& stack);

}  // namespace fanout::services::cloudformation
