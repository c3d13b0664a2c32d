// SNS subscription filter policies: parsing and validation with AWS's rules, limits and
// InvalidParameter messages, and matching against message attributes or a JSON message body.
//
// The language is AWS's (the SNS developer guide, "Amazon SNS subscription filter policies"):
// exact strings, numbers, true/false/null; prefix, suffix, equals-ignore-case; anything-but (a
// value, a list, or {prefix|suffix|equals-ignore-case}); numeric (=, <, <=, >, >= and ranges);
// exists; cidr (IPv4 and IPv6); AND across keys, OR across a key's values, "$or" across keys;
// nested keys (MessageBody scope only) where a key may also be written dotted ("a.b").
//
// Matching follows the semantics of AWS's event-ruler, which SNS's error texts show it uses: the
// body is flattened to leaf values whose path joins keys with "."; an array contributes each of its
// elements (at any depth); all values a branch of the policy matches inside one array must come
// from the same array element; exists:false means the path has no leaf value anywhere.
#pragma once

#include <boost/json/value.hpp>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace fanout::services::sns {

// A rejected policy. `message` is the text SetSubscriptionAttributes answers with
// ("Invalid parameter: FilterPolicy: ..."); `reason` is the same without the leading
// "Invalid parameter: ", for Subscribe, which answers "Invalid parameter: Attributes Reason: " + reason.
// The error code is always InvalidParameter (HTTP 400, Sender).
struct FilterPolicyError {
  std::string message;
  std::string reason;
};

// One message attribute as the filter sees it. Binary* attributes are ignored; String.Array's
// value is a JSON array (its elements keep their JSON types); Number* values compare numerically;
// every other type is a string.
struct FilterAttribute {
  std::string data_type;
  std::string string_value;
};
using FilterAttributes = std::map<std::string, FilterAttribute, std::less<>>;

// A published message prepared once and matched against many subscriptions' policies.
class FilterMessage {
 public:
  static FilterMessage from_attributes(const FilterAttributes& attributes);
  // A body that is not a JSON object is kept as invalid: no policy matches it.
  static FilterMessage from_body(std::string_view body);
  bool valid() const { return event_.is_object(); }

 private:
  friend class FilterPolicy;
  boost::json::value event_;  // the flattened-to-be event: an object, or null when invalid
};

class FilterPolicy {
 public:
  enum class Scope { MessageAttributes, MessageBody };

  // "MessageAttributes" / "MessageBody"; anything else is nullopt (AWS answers
  // "Invalid parameter: FilterPolicyScope: Invalid value [X]. Please use either MessageBody or
  // MessageAttributes").
  static std::optional<Scope> parse_scope(std::string_view name);
  static std::string_view scope_name(Scope scope);

  // Parses and validates a policy (syntax, operators, numeric ranges, nesting only in MessageBody
  // scope, at most 5 keys, at most 150 combinations, at most 256 KiB). "{}" matches everything.
  static std::variant<FilterPolicy, FilterPolicyError> parse(std::string_view json, Scope scope);

  Scope scope() const;
  bool matches(const FilterMessage& message) const;
  bool matches_attributes(const FilterAttributes& attributes) const;
  bool matches_body(std::string_view body) const;

 private:
  struct Compiled;  // internal representation (filter_policy_internal.h)
  explicit FilterPolicy(std::shared_ptr<const Compiled> compiled) : compiled_(std::move(compiled)) {}
  std::shared_ptr<const Compiled> compiled_;  // immutable, so copies are cheap and thread-safe
};

}  // namespace fanout::services::sns
