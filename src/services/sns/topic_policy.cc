#include "services/sns/topic_policy.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>

#include "services/sns/arn.h"
#include "services/sns/sns_error.h"

namespace fanout::services::sns {

namespace json = boost::json;

namespace {

const char* const kTopicActions[] = {
    "GetTopicAttributes", "SetTopicAttributes",       "AddPermission", "RemovePermission", "DeleteTopic",
    "Subscribe",          "ListSubscriptionsByTopic", "Publish"};

char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

// Glob match with * and ?.
bool glob(std::string_view pattern, std::string_view text, bool ignore_case) {
  std::size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  auto eq = [&](char a, char b) { return ignore_case ? lower(a) == lower(b) : a == b; };
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || eq(pattern[p], text[t]))) {
      ++p, ++t;
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

std::vector<std::string> strings_of(const json::value* v) {
  std::vector<std::string> out;
  if (!v) return out;
  if (v->is_string()) out.emplace_back(v->as_string());
  if (v->is_array()) {
    for (const auto& item : v->as_array()) {
      if (item.is_string()) out.emplace_back(item.as_string());
    }
  }
  return out;
}

bool principal_matches(const json::value* principal, const PolicyCaller& caller) {
  if (!principal) return false;
  if (principal->is_string()) return principal->as_string() == "*";
  if (!principal->is_object()) return false;
  const auto& o = principal->as_object();
  if (!caller.account.empty()) {
    for (const auto& p : strings_of(o.if_contains("AWS"))) {
      if (p == "*" || p == caller.account) return true;
      if (p.starts_with("arn:aws:iam::" + caller.account + ":")) return true;
    }
  }
  if (!caller.service.empty()) {
    for (const auto& p : strings_of(o.if_contains("Service"))) {
      if (p == caller.service || p == "*") return true;
    }
    for (const auto& p : strings_of(o.if_contains("AWS"))) {
      if (p == "*") return true;
    }
  }
  return false;
}

bool action_matches(const json::object& statement, std::string_view action) {
  const std::string wanted = "sns:" + std::string(action);
  if (const auto* a = statement.if_contains("Action")) {
    auto actions = strings_of(a);
    return std::any_of(actions.begin(), actions.end(),
                       [&](const std::string& p) { return glob(p, wanted, true); });
  }
  if (const auto* na = statement.if_contains("NotAction")) {
    auto actions = strings_of(na);
    return std::none_of(actions.begin(), actions.end(),
                        [&](const std::string& p) { return glob(p, wanted, true); });
  }
  return false;
}

bool resource_matches(const json::object& statement, std::string_view arn) {
  const auto* r = statement.if_contains("Resource");
  if (!r) return true;
  auto resources = strings_of(r);
  return std::any_of(resources.begin(), resources.end(),
                     [&](const std::string& p) { return glob(p, arn, false); });
}

std::string condition_value(std::string_view key, const PolicyCaller& caller) {
  std::string k(key);
  std::transform(k.begin(), k.end(), k.begin(), [](unsigned char c) { return std::tolower(c); });
  if (k == "aws:sourceowner" || k == "aws:sourceaccount") {
    return caller.source_account.empty() ? caller.account : caller.source_account;
  }
  if (k == "aws:sourcearn") return caller.source_arn;
  return {};
}

bool conditions_match(const json::object& statement, const PolicyCaller& caller) {
  const auto* c = statement.if_contains("Condition");
  if (!c) return true;
  if (!c->is_object()) return false;
  for (const auto& [op_key, block] : c->as_object()) {
    std::string op(op_key);
    if (!block.is_object()) return false;
    for (const auto& [key, values] : block.as_object()) {
      const std::string actual = condition_value(key, caller);
      auto patterns = strings_of(&values);
      bool any;
      if (op == "StringEquals" || op == "ArnEquals") {
        any = !actual.empty() && std::find(patterns.begin(), patterns.end(), actual) != patterns.end();
      } else if (op == "StringLike" || op == "ArnLike") {
        any = !actual.empty() && std::any_of(patterns.begin(), patterns.end(),
                                             [&](const std::string& p) { return glob(p, actual, false); });
      } else if (op == "StringNotEquals" || op == "ArnNotEquals") {
        any = std::find(patterns.begin(), patterns.end(), actual) == patterns.end();
      } else if (op == "StringNotLike" || op == "ArnNotLike") {
        any = std::none_of(patterns.begin(), patterns.end(),
                           [&](const std::string& p) { return glob(p, actual, false); });
      } else {
        return false;
      }
      if (!any) return false;
    }
  }
  return true;
}

json::object parse_policy(std::string_view text) {
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  if (ec || !v.is_object()) return {};
  return std::move(v.as_object());
}

}  // namespace

std::string default_topic_policy(std::string_view topic_arn, std::string_view owner) {
  json::array actions;
  for (const char* a : kTopicActions) actions.emplace_back(std::string("SNS:") + a);
  json::object statement{
      {"Sid", "__default_statement_ID"},
      {"Effect", "Allow"},
      {"Principal", json::object{{"AWS", "*"}}},
      {"Action", std::move(actions)},
      {"Resource", topic_arn},
      {"Condition", json::object{{"StringEquals", json::object{{"AWS:SourceOwner", owner}}}}},
  };
  json::object policy{{"Version", "2008-10-17"},
                      {"Id", "__default_policy_ID"},
                      {"Statement", json::array{std::move(statement)}}};
  return json::serialize(policy);
}

void validate_topic_policy(std::string_view policy) {
  boost::system::error_code ec;
  auto v = json::parse(policy, ec);
  if (ec || !v.is_object()) throw errors::invalid_parameter("Policy Error: null");
  const auto* statements = v.as_object().if_contains("Statement");
  if (!statements || !(statements->is_array() || statements->is_object())) {
    throw errors::invalid_parameter("Policy Error: Statement is missing");
  }
  auto check = [](const json::value& s) {
    if (!s.is_object()) throw errors::invalid_parameter("Policy Error: Statement must be an object");
    const auto& o = s.as_object();
    const auto* effect = o.if_contains("Effect");
    if (!effect || !effect->is_string() ||
        (effect->as_string() != "Allow" && effect->as_string() != "Deny")) {
      throw errors::invalid_parameter("Policy Error: Invalid effect");
    }
    if (!o.contains("Principal") && !o.contains("NotPrincipal")) {
      throw errors::invalid_parameter("Policy Error: Missing required field Principal");
    }
    if (!o.contains("Action") && !o.contains("NotAction")) {
      throw errors::invalid_parameter("Policy Error: Missing required field Action");
    }
  };
  if (statements->is_array()) {
    for (const auto& s : statements->as_array()) check(s);
  } else {
    check(*statements);
  }
}

bool topic_policy_allows(std::string_view policy, std::string_view action, const PolicyCaller& caller,
                         std::string_view topic_arn) {
  auto doc = parse_policy(policy);
  const auto* statements = doc.if_contains("Statement");
  if (!statements) return false;
  std::vector<const json::object*> list;
  if (statements->is_array()) {
    for (const auto& s : statements->as_array()) {
      if (s.is_object()) list.push_back(&s.as_object());
    }
  } else if (statements->is_object()) {
    list.push_back(&statements->as_object());
  }
  bool allowed = false;
  for (const auto* s : list) {
    const auto* effect = s->if_contains("Effect");
    if (!effect || !effect->is_string()) continue;
    if (!principal_matches(s->if_contains("Principal"), caller)) continue;
    if (!action_matches(*s, action) || !resource_matches(*s, topic_arn) || !conditions_match(*s, caller))
      continue;
    if (effect->as_string() == "Deny") return false;
    if (effect->as_string() == "Allow") allowed = true;
  }
  return allowed;
}

std::string add_permission(std::string_view policy, std::string_view topic_arn, std::string_view label,
                           const std::vector<std::string>& accounts,
                           const std::vector<std::string>& actions) {
  if (label.empty() || label.size() > 100 || !std::all_of(label.begin(), label.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
      })) {
    throw errors::invalid_parameter("Label");
  }
  if (accounts.empty()) throw errors::invalid_parameter("AWSAccountId");
  if (actions.empty()) throw errors::invalid_parameter("ActionName");
  json::array principals;
  for (const auto& account : accounts) {
    if (!is_account_id(account)) throw errors::invalid_parameter("AWSAccountId");
    principals.emplace_back("arn:aws:iam::" + account + ":root");
  }
  json::array action_list;
  for (const auto& action : actions) {
    if (action == "*") {
      action_list.emplace_back("SNS:*");
      continue;
    }
    if (std::none_of(std::begin(kTopicActions), std::end(kTopicActions),
                     [&](const char* a) { return action == a; })) {
      throw errors::invalid_parameter("Policy statement action out of service scope!");
    }
    action_list.emplace_back("SNS:" + action);
  }
  auto doc = parse_policy(policy);
  if (!doc.contains("Version")) doc["Version"] = "2008-10-17";
  auto& statements = doc["Statement"];
  if (!statements.is_array()) {
    json::array list;
    if (statements.is_object()) list.push_back(statements);
    statements = std::move(list);
  }
  for (const auto& s : statements.as_array()) {
    if (s.is_object()) {
      if (const auto* sid = s.as_object().if_contains("Sid");
          sid && sid->is_string() && sid->as_string() == label) {
        throw errors::invalid_parameter("Statement already exists");
      }
    }
  }
  json::object statement{
      {"Sid", label},
      {"Effect", "Allow"},
      {"Principal", json::object{{"AWS", principals.size() == 1 ? principals[0] : json::value(principals)}}},
      {"Action", action_list.size() == 1 ? action_list[0] : json::value(action_list)},
      {"Resource", topic_arn}};
  statements.as_array().push_back(std::move(statement));
  return json::serialize(doc);
}

std::string remove_permission(std::string_view policy, std::string_view label) {
  auto doc = parse_policy(policy);
  auto* statements = doc.if_contains("Statement");
  if (!statements || !statements->is_array()) return std::string(policy);
  auto& list = statements->as_array();
  for (auto it = list.begin(); it != list.end();) {
    const json::value* sid = it->is_object() ? it->as_object().if_contains("Sid") : nullptr;
    if (sid && sid->is_string() && sid->as_string() == label) {
      it = list.erase(it);
    } else {
      ++it;
    }
  }
  return json::serialize(doc);
}

}  // namespace fanout::services::sns
