// A parameter's AllowedPattern, matched against a whole value with RE2: linear time and no
// recursion, because both the pattern and the value come from the caller. libstdc++'s std::regex,
// used before, recursed once per character matched and overflowed the stack on a few thousand
// characters (`(a|b)*` against a 4,096-character value killed fanoutd).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace fanout::services::cloudformation {

struct PatternResult {
  bool matches = false;
  // Set when the pattern cannot be used: RE2's reason. CloudFormation's patterns are Java
  // regular expressions; RE2 takes their common syntax but not backreferences, lookaround or
  // repeat counts above 1000.
  std::optional<std::string> error;
};

PatternResult match_allowed_pattern(std::string_view pattern, std::string_view value);

}  // namespace fanout::services::cloudformation
