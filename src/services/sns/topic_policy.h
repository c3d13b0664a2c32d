// Topic access policies: the default policy of a new topic, validation of a Policy attribute,
// evaluation for callers from other accounts (and AWS service principals), and the statements
// AddPermission / RemovePermission edit.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace fanout::services::sns {

// Who asks, as the policy sees it.
struct PolicyCaller {
  std::string account;         // the calling account ("" for a service principal)
  std::string service;         // e.g. "events.amazonaws.com", "" for accounts
  std::string source_arn;      // aws:SourceArn, "" when none
  std::string source_account;  // aws:SourceAccount, "" when none
};

// AWS's default: the owner account may do everything (AWS:SourceOwner condition).
std::string default_topic_policy(std::string_view topic_arn, std::string_view owner);

// Throws SnsError InvalidParameter ("Policy Error: ...") unless `policy` is a JSON policy
// document with a Statement.
void validate_topic_policy(std::string_view policy);

// True when an Allow statement matches (principal, "SNS:<action>", topic) and no Deny does.
// Principal "*" / {"AWS": "*" | account | "arn:aws:iam::<account>:..." | [...]} / {"Service": ..};
// Action "SNS:Publish" / "sns:*" / "*" (case-insensitive, * and ? wildcards); Resource optional;
// Condition String/Arn Equals/Like/NotEquals/NotLike on AWS:SourceOwner, aws:SourceAccount,
// aws:SourceArn. Anything unknown does not match.
bool topic_policy_allows(std::string_view policy, std::string_view action, const PolicyCaller& caller,
                         std::string_view topic_arn);

// AddPermission: adds statement `label`. Throws InvalidParameter for a duplicate label, bad
// account ids or unknown actions.
std::string add_permission(std::string_view policy, std::string_view topic_arn, std::string_view label,
                           const std::vector<std::string>& accounts, const std::vector<std::string>& actions);
// RemovePermission: drops the statement whose Sid is `label` (no-op when none).
std::string remove_permission(std::string_view policy, std::string_view label);

}  // namespace fanout::services::sns
