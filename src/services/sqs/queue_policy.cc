#include "services/sqs/queue_policy.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <optional>

#include "services/sqs/sqs_error.h"
#include "services/sqs/validation.h"

namespace fanout::services::sqs {

namespace {

bool glob_match(std::string_view pattern, std::string_view text, bool ignore_case) {
  auto eq = [&](char a, char b) {
    return ignore_case
               ? std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b))
               : a == b;
  };
  std::size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || eq(pattern[p], text[t]))) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

// A string or a list of strings as a list; nullopt when the value is neither.
std::optional<std::vector<std::string>> strings(const boost::json::value& value) {
  std::vector<std::string> out;
  if (value.is_string()) {
    out.emplace_back(value.get_string());
    return out;
  }
  if (!value.is_array()) return std::nullopt;
  for (const auto& item : value.get_array()) {
    if (!item.is_string()) return std::nullopt;
    out.emplace_back(item.get_string());
  }
  return out;
}

bool is_account_id(std::string_view text) {
  return text.size() == 12 &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The account an IAM principal string refers to: "123456789012" or "arn:aws:iam::123456789012:...".
std::string principal_account(std::string_view principal) {
  if (is_account_id(principal)) return std::string(principal);
  if (principal.starts_with("arn:")) {
    // arn:partition:iam::account:resource
    std::size_t pos = 0;
    for (int i = 0; i < 4; ++i) {
      pos = principal.find(':', pos);
      if (pos == std::string_view::npos) return {};
      ++pos;
    }
    auto end = principal.find(':', pos);
    if (end == std::string_view::npos) return {};
    return std::string(principal.substr(pos, end - pos));
  }
  return {};
}

bool principal_matches(const boost::json::value* principal, const PolicyPrincipal& who) {
  if (principal == nullptr) return false;
  if (principal->is_string()) return principal->get_string() == "*";
  if (!principal->is_object()) return false;
  for (const auto& entry : principal->get_object()) {
    auto values = strings(entry.value());
    if (!values) continue;
    if (entry.key() == "AWS") {
      for (const auto& v : *values) {
        if (v == "*") return true;
        if (!who.account.empty() && principal_account(v) == who.account) return true;
      }
    } else if (entry.key() == "Service") {
      for (const auto& v : *values) {
        if (!who.service.empty() && v == who.service) return true;
      }
    }
  }
  return false;
}

bool action_matches(const boost::json::value* actions, std::string_view action) {
  if (actions == nullptr) return false;
  auto list = strings(*actions);
  if (!list) return false;
  std::string wanted = "sqs:" + std::string(action);
  return std::any_of(list->begin(), list->end(),
                     [&](const std::string& p) { return glob_match(p, wanted, true); });
}

bool resource_matches(const boost::json::value* resources, std::string_view arn) {
  if (resources == nullptr) return true;
  auto list = strings(*resources);
  if (!list) return false;
  return std::any_of(list->begin(), list->end(),
                     [&](const std::string& p) { return glob_match(p, arn, false); });
}

bool condition_matches(const boost::json::value* condition, const PolicyPrincipal& who) {
  if (condition == nullptr) return true;
  if (!condition->is_object()) return false;
  for (const auto& op_entry : condition->get_object()) {
    std::string op(op_entry.key());
    bool if_exists = false;
    if (op.ends_with("IfExists")) {
      if_exists = true;
      op.resize(op.size() - 8);
    }
    const bool like = op == "StringLike" || op == "ArnLike" || op == "StringNotLike" || op == "ArnNotLike";
    const bool negated = op.find("Not") != std::string::npos;
    const bool ignore_case = op == "StringEqualsIgnoreCase";
    if (op != "StringEquals" && op != "StringLike" && op != "ArnEquals" && op != "ArnLike" &&
        op != "StringNotEquals" && op != "StringNotLike" && op != "ArnNotEquals" && op != "ArnNotLike" &&
        op != "StringEqualsIgnoreCase") {
      return false;
    }
    if (!op_entry.value().is_object()) return false;
    for (const auto& key_entry : op_entry.value().get_object()) {
      std::string key(key_entry.key());
      std::transform(key.begin(), key.end(), key.begin(), [](unsigned char c) { return std::tolower(c); });
      std::string actual;
      if (key == "aws:sourcearn") {
        actual = who.source_arn;
      } else if (key == "aws:sourceaccount" || key == "aws:sourceowner") {
        actual = who.source_account;
      } else {
        return false;
      }
      auto expected = strings(key_entry.value());
      if (!expected) return false;
      if (actual.empty()) {
        if (if_exists) continue;
        return false;
      }
      bool any = std::any_of(expected->begin(), expected->end(), [&](const std::string& e) {
        if (like) return glob_match(e, actual, false);
        if (ignore_case) {
          return e.size() == actual.size() &&
                 std::equal(e.begin(), e.end(), actual.begin(), [](char a, char b) {
                   return std::tolower(static_cast<unsigned char>(a)) ==
                          std::tolower(static_cast<unsigned char>(b));
                 });
        }
        return e == actual;
      });
      if (negated ? any : !any) return false;
    }
  }
  return true;
}

std::optional<boost::json::object> parse_policy(std::string_view text) {
  boost::system::error_code ec;
  auto value = boost::json::parse(text, ec);
  if (ec || !value.is_object()) return std::nullopt;
  return std::move(value.get_object());
}

const boost::json::value* find(const boost::json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it == o.end() ? nullptr : &it->value();
}

constexpr std::string_view kGrantable[] = {"*",
                                           "SendMessage",
                                           "ReceiveMessage",
                                           "DeleteMessage",
                                           "ChangeMessageVisibility",
                                           "GetQueueAttributes",
                                           "GetQueueUrl",
                                           "ListDeadLetterSourceQueues",
                                           "PurgeQueue",
                                           "ListQueueTags"};
constexpr std::string_view kOwnerOnly[] = {
    "AddPermission",       "CreateQueue", "DeleteQueue", "ListQueues",           "RemovePermission",
    "SetQueueAttributes",  "TagQueue",    "UntagQueue",  "StartMessageMoveTask", "CancelMessageMoveTask",
    "ListMessageMoveTasks"};

}  // namespace

std::string_view policy_action_for(std::string_view operation) {
  if (operation == "SendMessageBatch") return "SendMessage";
  if (operation == "DeleteMessageBatch") return "DeleteMessage";
  if (operation == "ChangeMessageVisibilityBatch") return "ChangeMessageVisibility";
  return operation;
}

bool policy_allows(std::string_view policy_json, std::string_view action, const PolicyPrincipal& principal,
                   std::string_view resource_arn) {
  if (policy_json.empty()) return false;
  auto policy = parse_policy(policy_json);
  if (!policy) return false;
  const auto* statements = find(*policy, "Statement");
  if (statements == nullptr) return false;
  std::vector<const boost::json::object*> list;
  if (statements->is_object()) {
    list.push_back(&statements->get_object());
  } else if (statements->is_array()) {
    for (const auto& s : statements->get_array()) {
      if (s.is_object()) list.push_back(&s.get_object());
    }
  }
  bool allowed = false;
  for (const auto* statement : list) {
    const auto* effect = find(*statement, "Effect");
    if (effect == nullptr || !effect->is_string()) continue;
    if (!principal_matches(find(*statement, "Principal"), principal)) continue;
    if (!action_matches(find(*statement, "Action"), action)) continue;
    if (!resource_matches(find(*statement, "Resource"), resource_arn)) continue;
    if (!condition_matches(find(*statement, "Condition"), principal)) continue;
    if (effect->get_string() == "Deny") return false;
    if (effect->get_string() == "Allow") allowed = true;
  }
  return allowed;
}

std::string add_permission(std::string_view policy_json, std::string_view queue_arn, std::string_view label,
                           const std::vector<std::string>& account_ids,
                           const std::vector<std::string>& actions) {
  if (!validation::is_valid_batch_id(label)) {
    throw errors::invalid_parameter_value(
        "Label", label,
        "Can only include alphanumeric characters, hyphens, or underscores. 1 to "
        "80 in length.");
  }
  if (account_ids.empty()) throw errors::missing_parameter("AWSAccountIds");
  if (actions.empty()) throw errors::missing_parameter("Actions");
  for (const auto& account : account_ids) {
    if (!is_account_id(account))
      throw errors::invalid_parameter_value("PrincipalId", account, "Unable to verify.");
  }
  if (actions.size() > 7) {
    throw SqsError("OverLimit",
                   std::to_string(actions.size()) + " Actions were found, maximum allowed is 7.");
  }
  for (const auto& action : actions) {
    if (std::find(std::begin(kOwnerOnly), std::end(kOwnerOnly), action) != std::end(kOwnerOnly)) {
      throw errors::invalid_parameter_value("ActionName", "SQS:" + action,
                                            "Only the queue owner is allowed to invoke this action.");
    }
    if (std::find(std::begin(kGrantable), std::end(kGrantable), action) == std::end(kGrantable)) {
      throw errors::invalid_parameter_value(
          "ActionName", action, "Please refer to the appropriate WSDL for a list of valid actions.");
    }
  }

  boost::json::object policy;
  if (!policy_json.empty()) {
    auto parsed = parse_policy(policy_json);
    if (parsed) policy = std::move(*parsed);
  }
  if (policy.empty()) {
    policy["Version"] = "2012-10-17";
    policy["Id"] = std::string(queue_arn) + "/SQSDefaultPolicy";
  }
  boost::json::array statements;
  if (auto* existing = policy.if_contains("Statement")) {
    if (existing->is_array()) statements = existing->get_array();
    if (existing->is_object()) statements.push_back(*existing);
  }
  for (const auto& s : statements) {
    if (s.is_object()) {
      auto* sid = s.get_object().if_contains("Sid");
      if (sid != nullptr && sid->is_string() && sid->get_string() == label) {
        throw errors::invalid_parameter_value("Label", label, "Already exists.");
      }
    }
  }
  boost::json::object statement;
  statement["Sid"] = label;
  statement["Effect"] = "Allow";
  boost::json::value principals;
  if (account_ids.size() == 1) {
    principals = "arn:aws:iam::" + account_ids[0] + ":root";
  } else {
    boost::json::array arns;
    for (const auto& account : account_ids) arns.emplace_back("arn:aws:iam::" + account + ":root");
    principals = std::move(arns);
  }
  statement["Principal"] = boost::json::object{{"AWS", std::move(principals)}};
  if (actions.size() == 1) {
    statement["Action"] = "SQS:" + actions[0];
  } else {
    boost::json::array list;
    for (const auto& action : actions) list.emplace_back("SQS:" + action);
    statement["Action"] = std::move(list);
  }
  statement["Resource"] = queue_arn;
  statements.push_back(std::move(statement));
  policy["Statement"] = std::move(statements);
  return boost::json::serialize(policy);
}

std::string remove_permission(std::string_view policy_json, std::string_view label) {
  auto not_found = [&] {
    return errors::invalid_parameter_value("Label", label, "can't find label on existing policy.");
  };
  auto policy = parse_policy(policy_json);
  if (!policy) throw not_found();
  auto* existing = policy->if_contains("Statement");
  if (existing == nullptr) throw not_found();
  boost::json::array statements;
  if (existing->is_array()) statements = existing->get_array();
  if (existing->is_object()) statements.push_back(*existing);
  boost::json::array kept;
  bool removed = false;
  for (auto& s : statements) {
    const boost::json::value* sid = s.is_object() ? s.get_object().if_contains("Sid") : nullptr;
    if (sid != nullptr && sid->is_string() && sid->get_string() == label) {
      removed = true;
      continue;
    }
    kept.push_back(std::move(s));
  }
  if (!removed) throw not_found();
  if (kept.empty()) return {};
  (*policy)["Statement"] = std::move(kept);
  return boost::json::serialize(*policy);
}

}  // namespace fanout::services::sqs
