// application/x-www-form-urlencoded bodies and URL query strings.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace fanout::protocol {

using FormParams = std::map<std::string, std::string, std::less<>>;

// Percent-decodes one component ('+' means space in forms). nullopt on a bad escape.
std::optional<std::string> url_decode(std::string_view text, bool plus_is_space = true);
// RFC 3986 encoding (unreserved characters kept), as AWS's canonical forms use.
std::string url_encode(std::string_view text, bool encode_slash = true);

// Parses "a=1&b=2". A repeated key keeps its first value. nullopt on a malformed escape.
std::optional<FormParams> parse_form(std::string_view text);

}  // namespace fanout::protocol
