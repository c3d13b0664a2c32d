#include "services/sqs/validation.h"

#include <cctype>
#include <cstring>

namespace fanout::services::sqs::validation {

namespace {
bool id_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}
bool allowed(std::uint32_t cp) {
  return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
         (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
}
bool iequals_prefix(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[i])) !=
        std::tolower(static_cast<unsigned char>(prefix[i]))) {
      return false;
    }
  }
  return true;
}
}  // namespace

bool is_valid_queue_name(std::string_view name, bool fifo) {
  if (name.empty() || name.size() > 80) return false;
  std::string_view base = name;
  if (fifo) {
    if (!name.ends_with(".fifo")) return false;
    base = name.substr(0, name.size() - 5);
    if (base.empty()) return false;
  }
  for (char c : base) {
    if (!id_char(c)) return false;
  }
  return true;
}

bool is_valid_batch_id(std::string_view id) {
  if (id.empty() || id.size() > 80) return false;
  for (char c : id) {
    if (!id_char(c)) return false;
  }
  return true;
}

bool is_valid_token(std::string_view token) {
  if (token.empty() || token.size() > 128) return false;
  for (char c : token) {
    if (c < 0x21 || c > 0x7E) return false;
  }
  return true;
}

bool is_valid_attribute_name(std::string_view name) {
  if (name.empty() || name.size() > 256) return false;
  if (name.front() == '.' || name.back() == '.') return false;
  if (iequals_prefix(name, "AWS.") || iequals_prefix(name, "Amazon.")) return false;
  char previous = 0;
  for (char c : name) {
    if (!id_char(c) && c != '.') return false;
    if (c == '.' && previous == '.') return false;
    previous = c;
  }
  return true;
}

std::optional<std::uint32_t> first_invalid_character(std::string_view s) {
  std::size_t i = 0;
  const std::size_t n = s.size();
  while (i < n) {
    // Most bodies are printable ASCII (JSON): skip 8 such bytes at a time. A word passes when no
    // byte has its high bit set (non-ASCII) or lies below 0x20 (controls, tab and newlines
    // included: the byte loop below judges those).
    constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
    constexpr std::uint64_t kHighBits = 0x8080808080808080ULL;
    while (n - i >= 8) {
      std::uint64_t word;
      std::memcpy(&word, s.data() + i, sizeof word);
      if (((word | (word - 0x20 * kOnes)) & kHighBits) != 0) break;
      i += 8;
    }
    if (i == n) break;
    auto b0 = static_cast<unsigned char>(s[i]);
    if (b0 < 0x80) {
      if (!allowed(b0)) return b0;
      ++i;
      continue;
    }
    int len = 0;
    std::uint32_t cp = 0;
    if ((b0 & 0xE0) == 0xC0) {
      len = 2;
      cp = b0 & 0x1F;
    } else if ((b0 & 0xF0) == 0xE0) {
      len = 3;
      cp = b0 & 0x0F;
    } else if ((b0 & 0xF8) == 0xF0) {
      len = 4;
      cp = b0 & 0x07;
    } else {
      return b0;
    }
    if (i + len > n) return b0;
    for (int k = 1; k < len; ++k) {
      auto b = static_cast<unsigned char>(s[i + k]);
      if ((b & 0xC0) != 0x80) return b0;
      cp = (cp << 6) | (b & 0x3F);
    }
    // Overlong forms and surrogates are malformed UTF-8.
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000)) return b0;
    if (!allowed(cp)) return cp;
    i += len;
  }
  return std::nullopt;
}

std::optional<std::int64_t> parse_integer(std::string_view text) {
  if (text.empty() || text.size() > 19) return std::nullopt;
  bool negative = false;
  std::size_t i = 0;
  if (text[0] == '-') {
    negative = true;
    i = 1;
    if (text.size() == 1) return std::nullopt;
  }
  std::int64_t value = 0;
  for (; i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    value = value * 10 + (text[i] - '0');
  }
  return negative ? -value : value;
}

}  // namespace fanout::services::sqs::validation
