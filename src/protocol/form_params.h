// application/x-www-form-urlencoded bodies (the query protocol), decoded with
// common/percent_encoding.h.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace fanout::protocol {

using FormParams = std::map<std::string, std::string, std::less<>>;

// Parses "a=1&b=2". A repeated key keeps its first value. nullopt on a malformed escape.
std::optional<FormParams> parse_form(std::string_view text);

}  // namespace fanout::protocol
