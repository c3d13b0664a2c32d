// S3's part numbers: the integers 1 to 10,000, as the partNumber parameter and as the suffix of a
// stored part's key.
#pragma once

#include <charconv>
#include <optional>
#include <string_view>

namespace fanout::services::s3 {

inline constexpr int kMaxPartNumber = 10000;

// The part number the whole of text spells in decimal; nullopt for anything else or out of range.
inline std::optional<int> parse_part_number(std::string_view text) {
  int value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 1 || value > kMaxPartNumber) {
    return std::nullopt;
  }
  return value;
}

}  // namespace fanout::services::s3
