// Queue resource policies: evaluation of a policy for a caller from another account (or an AWS
// service such as SNS), and the policy edits AddPermission / RemovePermission make.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace fanout::services::sqs {

// Who is asking, as a policy sees it.
struct PolicyPrincipal {
  std::string account;         // the calling account ("" for a service principal)
  std::string service;         // e.g. "sns.amazonaws.com" when an AWS service delivers
  std::string source_arn;      // aws:SourceArn (e.g. the SNS topic), "" when none
  std::string source_account;  // aws:SourceAccount, "" when none
};

// The policy action an operation needs: batch operations need their single form's permission
// ("SendMessageBatch" → "SendMessage").
std::string_view policy_action_for(std::string_view operation);

// True when some Allow statement matches (principal, "sqs:<action>", resource) and no Deny does.
// Principal "*" / {"AWS": "*" | "<account>" | "arn:aws:iam::<account>:..." | [...]} /
// {"Service": ...}; Action "sqs:X" / "sqs:*" / "*" (case-insensitive, * and ? wildcards);
// Resource optional; Condition with String/Arn Equals/Like/NotEquals/NotLike on aws:SourceArn,
// aws:SourceAccount and aws:SourceOwner. Anything unparseable or unknown does not match.
bool policy_allows(std::string_view policy_json, std::string_view action, const PolicyPrincipal& principal,
                   std::string_view resource_arn);

// AddPermission's statement added to `policy_json` ("" = no policy yet). Throws SqsError
// (InvalidParameterValue for a bad or duplicate label, account or action; OverLimit for more than
// 7 actions).
std::string add_permission(std::string_view policy_json, std::string_view queue_arn, std::string_view label,
                           const std::vector<std::string>& account_ids,
                           const std::vector<std::string>& actions);
// The policy without the statement whose Sid is `label` ("" when no statement is left). Throws
// InvalidParameterValue when no statement has that label.
std::string remove_permission(std::string_view policy_json, std::string_view label);

}  // namespace fanout::services::sqs
