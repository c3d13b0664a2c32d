// The splitting of a request-target into path and decoded query parameters. The percent-encoding
// itself (SigV4's: RFC 3986 unreserved set, upper-case hex) is common/percent_encoding.h.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fanout::auth::detail {

// The path and the raw query of a request-target. Absolute-form targets lose scheme and authority.
struct TargetParts {
  std::string_view path;
  std::string_view query;  // without the '?'
};
TargetParts split_target(std::string_view target);

// Query parameters in order of appearance, decoded. Empty pieces ("a=1&&b=2") are dropped; a
// piece without '=' has an empty value.
using QueryParams = std::vector<std::pair<std::string, std::string>>;
QueryParams parse_query(std::string_view raw_query);

}  // namespace fanout::auth::detail
