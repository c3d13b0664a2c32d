// Millisecond ISO 8601 timestamps in UTC ("2024-05-02T00:54:06.655Z"), as AWS writes them in SNS
// notifications, query-protocol responses and S3 listings. Formatted by arithmetic: SNS stamps
// every delivery, and gmtime_r + snprintf were ~1% of fanoutd's CPU per publish.
#pragma once

#include <cstdint>
#include <string>

namespace fanout {

std::string iso8601_ms(std::int64_t epoch_ms);

}  // namespace fanout
