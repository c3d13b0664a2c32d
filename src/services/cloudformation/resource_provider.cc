#include "services/cloudformation/resource_provider.h"

#include <algorithm>
#include <cctype>

#include "common/crypto.h"
#include "services/cloudformation/intrinsics.h"

namespace fanout::services::cloudformation {
namespace json = boost::json;

std::string generated_name(const std::string& stack_name, const std::string& logical_id,
                           std::size_t max_length, const std::string& suffix, bool lower) {
  // 13 characters of [A-Z0-9], as CloudFormation's generated names end.
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::string random;
  for (unsigned char byte : crypto::random_bytes(13)) random += kAlphabet[byte % 36];
  std::string stack = stack_name;
  std::string logical = logical_id;
  std::size_t fixed = random.size() + 2 + suffix.size();
  if (stack.size() + logical.size() + fixed > max_length) {
    std::size_t budget = max_length > fixed ? max_length - fixed : 0;
    // Keep as much of both as fits, splitting the budget between them.
    std::size_t stack_budget =
        std::min(stack.size(),
                 std::max<std::size_t>(budget / 2, budget > logical.size() ? budget - logical.size() : 0));
    stack.resize(stack_budget);
    logical.resize(std::min(logical.size(), budget - stack.size()));
  }
  std::string name = stack + "-" + logical + "-" + random;
  if (lower)
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  return name + suffix;
}

std::string handler_failure(const protocol::ServiceError& error) {
  return "Resource handler returned message: \"" + error.message +
         "\" (Status Code: " + std::to_string(error.http_status) + ", Error Code: " + error.code + ")";
}

bool changed(const json::object& before, const json::object& after, std::string_view key) {
  const auto* a = before.if_contains(key);
  const auto* b = after.if_contains(key);
  if (!a && !b) return false;
  if (!a || !b) return true;
  return *a != *b;
}

std::string text_property(const json::object& properties, std::string_view key) {
  const auto* v = properties.if_contains(key);
  return v ? scalar_text(*v) : std::string();
}

}  // namespace fanout::services::cloudformation
