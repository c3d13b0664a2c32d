// SNS subscription filter policies: parsing and validation in both scopes, then matching the
// policy against a message body (any text) and against message attributes (from a JSON map of
// name -> {"DataType", "StringValue"}), both prepared once as the publish path does.
#include <boost/json/parse.hpp>
#include <cstdint>
#include <string>
#include <variant>

#include "fuzz_input.h"
#include "services/sns/filter_policy.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace fanout::services::sns;
  fanout::fuzz::FuzzInput input(data, size);
  const auto scope =
      (input.byte() & 1) ? FilterPolicy::Scope::MessageBody : FilterPolicy::Scope::MessageAttributes;
  auto policy_text = input.part();
  auto body = input.part();
  auto attributes_text = input.rest();

  auto parsed = FilterPolicy::parse(policy_text, scope);
  if (auto* error = std::get_if<FilterPolicyError>(&parsed)) {
    if (error->message.empty()) __builtin_trap();
    return 0;
  }
  const auto& policy = std::get<FilterPolicy>(parsed);
  if (policy.scope() != scope) __builtin_trap();

  const bool by_body = policy.matches_body(body);
  if (policy.matches(FilterMessage::from_body(body)) != by_body) __builtin_trap();

  FilterAttributes attributes;
  boost::system::error_code ec;
  auto value = boost::json::parse(attributes_text, ec);
  if (!ec && value.is_object()) {
    for (const auto& [name, attribute] : value.get_object()) {
      const auto* fields = attribute.if_object();
      if (!fields) continue;
      FilterAttribute entry;
      if (auto* type = fields->if_contains("DataType"); type && type->is_string())
        entry.data_type = type->get_string();
      if (auto* text = fields->if_contains("StringValue"); text && text->is_string()) {
        entry.string_value = text->get_string();
      }
      attributes.emplace(std::string(name), std::move(entry));
    }
  }
  const bool by_attributes = policy.matches_attributes(attributes);
  if (policy.matches(FilterMessage::from_attributes(attributes)) != by_attributes) __builtin_trap();
  return 0;
}
