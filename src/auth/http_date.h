// The RFC 1123 Date header, which SigV4 accepts when X-Amz-Date is absent.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace fanout::auth::detail {

// "Fri, 24 May 2013 00:00:00 GMT" (or with zone -0000/+0000/UTC) -> seconds since the epoch;
// nullopt for anything else.
std::optional<std::int64_t> parse_http_date(std::string_view text);

}  // namespace fanout::auth::detail
