#include "services/cloudformation/allowed_pattern.h"

#include <re2/re2.h>

namespace fanout::services::cloudformation {

PatternResult match_allowed_pattern(std::string_view pattern, std::string_view value) {
  RE2::Options options;
  options.set_log_errors(false);  // a caller's bad pattern is their error, not the server's log's
  const RE2 re(re2::StringPiece(pattern.data(), pattern.size()), options);
  if (!re.ok()) return {false, re.error()};
  return {RE2::FullMatch(re2::StringPiece(value.data(), value.size()), re), std::nullopt};
}

}  // namespace fanout::services::cloudformation
