// The subset of Java's DateTimeFormatter patterns Firehose prefixes use in !{timestamp:...}:
// y/u (year: "yy" two digits, otherwise at least that many digits), M (month; "MMM" short and
// "MMMM" full English names), d, H, h, m, s, S (fraction of second), a (AM/PM), E (day name),
// quoted literals ('...', '' for a quote) and any non-letter character as itself. Always UTC.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fanout::services::firehose {

class TimestampPattern {
 public:
  // nullopt with `error` set when the pattern is not one Java would accept (unknown letters,
  // unterminated quote) or uses a field this implementation does not know.
  static std::optional<TimestampPattern> parse(std::string_view pattern, std::string* error = nullptr);

  std::string format(std::int64_t epoch_ms) const;

 private:
  struct Field {
    char letter = 0;  // 0 for a literal
    int width = 0;
    std::string literal;
  };
  std::vector<Field> fields_;
};

}  // namespace fanout::services::firehose
