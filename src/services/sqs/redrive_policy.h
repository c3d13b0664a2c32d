// Dead-letter queue configuration: RedrivePolicy (on the source queue) and RedriveAllowPolicy (on
// the dead-letter queue), parsed from and rendered to the JSON text AWS uses.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace fanout::services::sqs {

struct RedrivePolicy {
  std::string dead_letter_target_arn;
  std::int64_t max_receive_count = 10;
};

struct RedriveAllowPolicy {
  std::string permission = "allowAll";  // allowAll | denyAll | byQueue
  std::vector<std::string> source_queue_arns;
  // Whether a queue with this ARN may name the owner of this policy as its dead-letter queue.
  bool allows(std::string_view source_arn) const;
};

// Parse JSON text; throw SqsError InvalidParameterValue ("Value <text> for parameter
// RedrivePolicy is invalid. Reason: ...") on anything AWS rejects.
RedrivePolicy parse_redrive_policy(std::string_view text);
RedriveAllowPolicy parse_redrive_allow_policy(std::string_view text);
// Normalized JSON: {"deadLetterTargetArn":"...","maxReceiveCount":5}.
std::string render_redrive_policy(const RedrivePolicy& policy);
std::string render_redrive_allow_policy(const RedriveAllowPolicy& policy);

}  // namespace fanout::services::sqs
