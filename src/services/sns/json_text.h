// JSON text SNS writes by hand (the string escaping is common/json_string.h) and SNS's timestamp
// format.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/json_string.h"

namespace fanout::services::sns {

// "2024-05-02T00:54:06.655Z"
std::string iso8601_ms(std::int64_t epoch_ms);

}  // namespace fanout::services::sns
