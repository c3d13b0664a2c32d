#include "common/percent_encoding.h"

#include <array>
#include <cstddef>

namespace fanout::percent_encoding {
namespace {

constexpr std::array<bool, 256> kUnreserved = [] {
  std::array<bool, 256> table{};
  for (int c = 'A'; c <= 'Z'; ++c) table[c] = true;
  for (int c = 'a'; c <= 'z'; ++c) table[c] = true;
  for (int c = '0'; c <= '9'; ++c) table[c] = true;
  for (const char c : {'-', '.', '_', '~'}) table[static_cast<unsigned char>(c)] = true;
  return table;
}();

constexpr std::array<bool, 256> kUnreservedOrSlash = [] {
  std::array<bool, 256> table = kUnreserved;
  table['/'] = true;
  return table;
}();

// -1 for a byte that is not a hex digit.
constexpr std::array<signed char, 256> kHexValue = [] {
  std::array<signed char, 256> table{};
  table.fill(-1);
  for (int c = '0'; c <= '9'; ++c) table[c] = static_cast<signed char>(c - '0');
  for (int c = 'a'; c <= 'f'; ++c) table[c] = static_cast<signed char>(c - 'a' + 10);
  for (int c = 'A'; c <= 'F'; ++c) table[c] = static_cast<signed char>(c - 'A' + 10);
  return table;
}();

int hex_value(char c) { return kHexValue[static_cast<unsigned char>(c)]; }

// The decoded text, or nullopt when strict and an escape is malformed.
std::optional<std::string> decode_impl(std::string_view text, bool plus_is_space, bool strict) {
  std::string out(text.size(), '\0');  // decoding never grows the text
  char* to = out.data();
  const char* from = text.data();
  const char* const end = from + text.size();
  while (from != end) {
    const char c = *from;
    if (c == '%') {
      const int hi = end - from > 2 ? hex_value(from[1]) : -1;
      const int lo = hi >= 0 ? hex_value(from[2]) : -1;
      if (lo >= 0) {
        *to++ = static_cast<char>(hi * 16 + lo);
        from += 3;
        continue;
      }
      if (strict) return std::nullopt;
    }
    *to++ = (plus_is_space && c == '+') ? ' ' : c;
    ++from;
  }
  out.resize(static_cast<std::size_t>(to - out.data()));
  return out;
}

}  // namespace

bool is_unreserved(unsigned char c) { return kUnreserved[c]; }

void append_encoded(std::string& out, std::string_view bytes, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  const auto& kept = keep_slash ? kUnreservedOrSlash : kUnreserved;
  // Room for the worst case, trimmed after. The loop is branchless: whether a byte is kept varies
  // unpredictably in JSON text (most of a Publish body), so a branch per byte mispredicts often.
  const std::size_t start = out.size();
  out.resize(start + bytes.size() * 3);
  char* to = out.data() + start;
  for (const char ch : bytes) {
    const auto c = static_cast<unsigned char>(ch);
    const bool keep = kept[c];
    to[0] = keep ? ch : '%';
    to[1] = kHex[c >> 4];
    to[2] = kHex[c & 0x0f];
    to += keep ? 1 : 3;
  }
  out.resize(static_cast<std::size_t>(to - out.data()));
}

std::string encode(std::string_view bytes, bool keep_slash) {
  std::string out;
  append_encoded(out, bytes, keep_slash);
  return out;
}

std::optional<std::string> decode(std::string_view text, bool plus_is_space) {
  return decode_impl(text, plus_is_space, /*strict=*/true);
}

std::string decode_lenient(std::string_view text, bool plus_is_space) {
  return *decode_impl(text, plus_is_space, /*strict=*/false);
}

}  // namespace fanout::percent_encoding
