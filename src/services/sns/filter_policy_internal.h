// Internal representation of a compiled filter policy, shared by the parser and the matcher.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "services/sns/filter_policy.h"

namespace fanout::services::sns::filter {

// AWS compares numbers in [-1e9, 1e9] with five digits after the decimal point: such a number is
// held as an integer count of 1e-5 steps. Numbers outside that range only compare equal exactly.
inline constexpr double kNumberLimit = 1e9;
inline constexpr double kNumberScale = 1e5;

struct Number {
  double value = 0;
  std::optional<std::int64_t> scaled;  // set when |value| <= kNumberLimit
};
Number make_number(double value);
bool numbers_equal(const Number& a, const Number& b);

// An IPv4 or IPv6 address in network byte order (IPv4 uses the first 4 bytes).
struct IpAddress {
  bool v6 = false;
  std::array<std::uint8_t, 16> bytes{};
};
std::optional<IpAddress> parse_ip(std::string_view text);

struct Cidr {
  IpAddress base;
  int bits = 0;
  bool contains(const IpAddress& ip) const;
};
// Parses "address/bits"; on failure returns nullopt and sets `error` to the AWS-style reason.
std::optional<Cidr> parse_cidr(std::string_view text, std::string& error);

namespace pattern {
struct ExactString {
  std::string value;
};
struct ExactNumber {
  Number value;
};
struct ExactBool {
  bool value;
};
struct ExactNull {};
struct Prefix {
  std::string value;
};
struct Suffix {
  std::string value;
};
struct EqualsIgnoreCase {
  std::string folded;
};
struct AnythingButStrings {
  std::vector<std::string> values;
};
struct AnythingButNumbers {
  std::vector<Number> values;
};
struct AnythingButPrefix {
  std::string value;
};
struct AnythingButSuffix {
  std::string value;
};
struct AnythingButIgnoreCase {
  std::vector<std::string> folded;
};
// A numeric range on the scaled integer form; equality is a closed range of one point.
struct NumericRange {
  std::optional<std::int64_t> low, high;
  bool low_open = false, high_open = false;
};
struct Exists {};  // exists: true (exists: false is Condition::allows_absent)
struct CidrMatch {
  Cidr cidr;
};
}  // namespace pattern

using Pattern =
    std::variant<pattern::ExactString, pattern::ExactNumber, pattern::ExactBool, pattern::ExactNull,
                 pattern::Prefix, pattern::Suffix, pattern::EqualsIgnoreCase, pattern::AnythingButStrings,
                 pattern::AnythingButNumbers, pattern::AnythingButPrefix, pattern::AnythingButSuffix,
                 pattern::AnythingButIgnoreCase, pattern::NumericRange, pattern::Exists, pattern::CidrMatch>;

// One key of one branch: the path (policy keys joined with "."), OR over its patterns.
struct Condition {
  std::string path;
  std::string top_key;            // the first policy key of the path (what the 5-key limit counts)
  std::vector<Pattern> patterns;  // positive patterns: match a leaf value at the path
  bool allows_absent = false;     // {"exists": false} is among the values
};

// A conjunction of conditions with distinct paths; a policy matches when any branch does
// ("$or" expands into branches, as event-ruler does).
struct Branch {
  std::vector<Condition> conditions;
};

// Does a leaf value (string, number, bool or null) satisfy the pattern?
bool pattern_matches(const Pattern& pattern, const boost::json::value& leaf);

}  // namespace fanout::services::sns::filter

namespace fanout::services::sns {

struct FilterPolicy::Compiled {
  Scope scope = Scope::MessageAttributes;
  bool match_all = false;  // the policy was "{}"
  std::vector<filter::Branch> branches;
};

}  // namespace fanout::services::sns
