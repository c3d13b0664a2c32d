// Splits one fuzz input into the pieces a target needs (a selector byte, several texts), so a
// single byte string drives a parser that takes more than one argument. Pieces are separated by
// NUL bytes, which none of the text formats fuzzed here use.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace fanout::fuzz {

class FuzzInput {
 public:
  FuzzInput(const std::uint8_t* data, std::size_t size)
      : rest_(size ? reinterpret_cast<const char*>(data) : "", size) {}

  // The next byte (0 once the input is used up).
  std::uint8_t byte() {
    if (rest_.empty()) return 0;
    auto value = static_cast<std::uint8_t>(rest_.front());
    rest_.remove_prefix(1);
    return value;
  }
  // Up to the next NUL (consumed), or everything left.
  std::string_view part() {
    auto end = rest_.find('\0');
    auto piece = rest_.substr(0, end);
    rest_.remove_prefix(end == std::string_view::npos ? rest_.size() : end + 1);
    return piece;
  }
  std::string_view rest() {
    auto piece = rest_;
    rest_ = {};
    return piece;
  }
  bool empty() const { return rest_.empty(); }

 private:
  std::string_view rest_;
};

}  // namespace fanout::fuzz
