// Writing a JSON string literal by hand, where JSON text is assembled directly: the exact bytes
// matter (the notification envelopes SNS delivers are compared and signed by subscribers), or
// building a document tree first would cost more than the text (the producer's events).
#pragma once

#include <string>
#include <string_view>

namespace fanout {

// Appends `text` as a JSON string literal, escaped as AWS's serializer (and Boost.JSON's) does:
// quote, backslash and control characters (\b \f \n \r \t, else \u00XX); '/' and non-ASCII
// bytes are kept.
void append_json_string(std::string& out, std::string_view text);
std::string json_quote(std::string_view text);

}  // namespace fanout
