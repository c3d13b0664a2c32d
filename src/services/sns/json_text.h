// Writing JSON text by hand where the exact bytes matter (the notification envelopes SNS
// delivers are compared and signed by subscribers), and SNS's timestamp format.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace fanout::services::sns {

// Appends `text` as a JSON string literal, escaped as AWS's serializer does: quote, backslash
// and control characters (\b \f \n \r \t, else \u00XX); '/' and non-ASCII bytes are kept.
void append_json_string(std::string& out, std::string_view text);
std::string json_quote(std::string_view text);

// "2024-05-02T00:54:06.655Z"
std::string iso8601_ms(std::int64_t epoch_ms);

}  // namespace fanout::services::sns
