// Percent-encoding (RFC 3986) in the one form AWS uses everywhere: SigV4's canonical request, form
// bodies of the query protocol, S3 keys in URLs. Each byte outside the unreserved set becomes %XX
// with upper-case hex. Hot on every query-protocol request (a Publish body is mostly escapes), so
// these write into a presized buffer instead of appending byte by byte.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace fanout::percent_encoding {

// A-Z a-z 0-9 - . _ ~ : the only bytes left unencoded.
bool is_unreserved(unsigned char c);

// Encodes every byte outside the unreserved set, and '/' too unless keep_slash.
std::string encode(std::string_view bytes, bool keep_slash = false);
// The same, appended to out (a form body is built from many encoded pieces).
void append_encoded(std::string& out, std::string_view bytes, bool keep_slash = false);

// Decodes %XX escapes (either hex case); with plus_is_space a '+' decodes to a space, as form
// encoding means it. nullopt when a '%' is not followed by two hex digits.
std::optional<std::string> decode(std::string_view text, bool plus_is_space);

// As decode, but a '%' not followed by two hex digits stays literal (SigV4 canonicalisation and
// S3 paths take such input as it is).
std::string decode_lenient(std::string_view text, bool plus_is_space);

}  // namespace fanout::percent_encoding
