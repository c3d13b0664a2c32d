#include "services/firehose/timestamp_pattern.h"

#include <array>
#include <cctype>
#include <ctime>

namespace fanout::services::firehose {

namespace {

constexpr std::array<const char*, 12> kMonths = {"January",   "February", "March",    "April",
                                                 "May",       "June",     "July",     "August",
                                                 "September", "October",  "November", "December"};
constexpr std::array<const char*, 7> kDays = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                              "Thursday", "Friday", "Saturday"};

std::string padded(long value, int width) {
  std::string digits = std::to_string(value < 0 ? -value : value);
  if (static_cast<int>(digits.size()) < width)
    digits.insert(0, static_cast<std::size_t>(width) - digits.size(), '0');
  return value < 0 ? "-" + digits : digits;
}

bool known_letter(char c) {
  switch (c) {
    case 'y':
    case 'u':
    case 'M':
    case 'L':
    case 'd':
    case 'H':
    case 'h':
    case 'm':
    case 's':
    case 'S':
    case 'a':
    case 'E':
    case 'D':
      return true;
    default:
      return false;
  }
}

}  // namespace

std::optional<TimestampPattern> TimestampPattern::parse(std::string_view pattern, std::string* error) {
  auto fail = [&](std::string why) -> std::optional<TimestampPattern> {
    if (error) *error = std::move(why);
    return std::nullopt;
  };
  TimestampPattern out;
  std::size_t i = 0;
  while (i < pattern.size()) {
    char c = pattern[i];
    if (c == '\'') {
      std::string literal;
      ++i;
      bool closed = false;
      while (i < pattern.size()) {
        if (pattern[i] == '\'') {
          if (i + 1 < pattern.size() && pattern[i + 1] == '\'') {
            literal += '\'';
            i += 2;
            continue;
          }
          ++i;
          closed = true;
          break;
        }
        literal += pattern[i++];
      }
      if (!closed) return fail("Pattern ends with an incomplete string literal: " + std::string(pattern));
      // '' outside a literal is a single quote.
      out.fields_.push_back({0, 0, literal.empty() ? std::string("'") : literal});
      continue;
    }
    if (std::isalpha(static_cast<unsigned char>(c))) {
      if (!known_letter(c)) return fail("Unknown pattern letter: " + std::string(1, c));
      int width = 0;
      while (i < pattern.size() && pattern[i] == c) {
        ++width;
        ++i;
      }
      if ((c == 'd' || c == 'H' || c == 'h' || c == 'm' || c == 's') && width > 2) {
        return fail("Too many pattern letters: " + std::string(1, c));
      }
      if ((c == 'M' || c == 'L') && width > 5) return fail("Too many pattern letters: " + std::string(1, c));
      if (c == 'a' && width > 1) return fail("Too many pattern letters: a");
      out.fields_.push_back({c, width, {}});
      continue;
    }
    if (c == '[' || c == ']' || c == '{' || c == '}' || c == '#') {
      return fail("Pattern includes reserved character: '" + std::string(1, c) + "'");
    }
    out.fields_.push_back({0, 0, std::string(1, c)});
    ++i;
  }
  return out;
}

std::string TimestampPattern::format(std::int64_t epoch_ms) const {
  std::int64_t seconds = epoch_ms >= 0 ? epoch_ms / 1000 : (epoch_ms - 999) / 1000;
  int millis = static_cast<int>(epoch_ms - seconds * 1000);
  std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  const long year = tm.tm_year + 1900L;
  std::string out;
  for (const auto& f : fields_) {
    switch (f.letter) {
      case 0:
        out += f.literal;
        break;
      case 'y':
      case 'u':
        out += f.width == 2 ? padded(year % 100, 2) : padded(year, f.width);
        break;
      case 'M':
      case 'L':
        if (f.width <= 2) {
          out += padded(tm.tm_mon + 1, f.width);
        } else if (f.width == 3) {
          out += std::string(kMonths[static_cast<std::size_t>(tm.tm_mon)]).substr(0, 3);
        } else if (f.width == 4) {
          out += kMonths[static_cast<std::size_t>(tm.tm_mon)];
        } else {
          out += kMonths[static_cast<std::size_t>(tm.tm_mon)][0];
        }
        break;
      case 'd':
        out += padded(tm.tm_mday, f.width);
        break;
      case 'D':
        out += padded(tm.tm_yday + 1, f.width);
        break;
      case 'H':
        out += padded(tm.tm_hour, f.width);
        break;
      case 'h':
        out += padded(tm.tm_hour % 12 == 0 ? 12 : tm.tm_hour % 12, f.width);
        break;
      case 'm':
        out += padded(tm.tm_min, f.width);
        break;
      case 's':
        out += padded(tm.tm_sec, f.width);
        break;
      case 'S': {
        // Fraction of a second, truncated to `width` digits (milliseconds resolution).
        std::string ms = padded(millis, 3);
        if (f.width <= 3) {
          out += ms.substr(0, static_cast<std::size_t>(f.width));
        } else {
          out += ms + std::string(static_cast<std::size_t>(f.width) - 3, '0');
        }
        break;
      }
      case 'a':
        out += tm.tm_hour < 12 ? "AM" : "PM";
        break;
      case 'E':
        out += f.width >= 4 ? std::string(kDays[static_cast<std::size_t>(tm.tm_wday)])
                            : std::string(kDays[static_cast<std::size_t>(tm.tm_wday)]).substr(0, 3);
        break;
      default:
        break;
    }
  }
  return out;
}

}  // namespace fanout::services::firehose
