// NextToken for the List* operations: opaque to clients, the last key of the previous page.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace fanout::services::sns {

inline constexpr std::size_t kPageSize = 100;

std::string encode_next_token(std::string_view last_key);
// nullopt for a token this server did not issue (the caller answers InvalidParameter).
std::optional<std::string> decode_next_token(std::string_view token);

}  // namespace fanout::services::sns
