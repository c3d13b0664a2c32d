// Percent-encoding as SigV4 defines it (RFC 3986 unreserved set, upper-case hex), and the
// splitting of a request-target into path and decoded query parameters.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fanout::auth::detail {

// A-Z a-z 0-9 - . _ ~ : the only bytes SigV4 leaves unencoded.
bool is_unreserved(unsigned char c);

// Encodes every byte outside the unreserved set (and '/' too unless keep_slash).
std::string uri_encode(std::string_view bytes, bool keep_slash = false);

// Decodes %XX escapes; a '%' not followed by two hex digits stays literal. With plus_is_space a
// '+' decodes to a space, as form encoding (and botocore's urlencode on the wire) means it.
std::string percent_decode(std::string_view text, bool plus_is_space);

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
