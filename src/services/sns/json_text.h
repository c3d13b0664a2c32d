// SNS's timestamp format: millisecond ISO 8601 in UTC, as AWS writes it in notifications.
#pragma once

#include <cstdint>
#include <string>

namespace fanout::services::sns {

// "2024-05-02T00:54:06.655Z"
std::string iso8601_ms(std::int64_t epoch_ms);

}  // namespace fanout::services::sns
