// Conversions between SigV4's "yyyymmddThhmmssZ" and epoch seconds, done by hand rather than
// with timegm/gmtime_r so they are exact for every input and never touch the C locale or TZ.
#include <cstdio>

#include "auth/http_date.h"
#include "auth/sigv4.h"
#include "common/civil_date.h"

namespace fanout::auth {
namespace detail {
namespace {

bool is_leap(std::int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned days_in_month(std::int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

// Reads exactly n decimal digits.
std::optional<int> digits(std::string_view text, std::size_t pos, std::size_t n) {
  if (pos + n > text.size()) return std::nullopt;
  int value = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

std::optional<std::int64_t> to_epoch(int year, int month, int day, int hour, int minute, int second) {
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return std::nullopt;
  if (static_cast<unsigned>(day) > days_in_month(year, static_cast<unsigned>(month))) return std::nullopt;
  return days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * 86400 +
         std::int64_t{hour} * 3600 + std::int64_t{minute} * 60 + second;
}

}  // namespace

std::optional<std::int64_t> parse_http_date(std::string_view text) {
  // "Www, DD Mon YYYY HH:MM:SS GMT" is 29 characters. Python's email.utils.formatdate, which
  // botocore uses for the Date header, writes the zone as "-0000" instead.
  static constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (text.size() < 29 || text.substr(3, 2) != ", " || text[7] != ' ' || text[11] != ' ' || text[16] != ' ' ||
      text[19] != ':' || text[22] != ':') {
    return std::nullopt;
  }
  const std::string_view zone = text.substr(25);
  if (zone != " GMT" && zone != " UTC" && zone != " -0000" && zone != " +0000") return std::nullopt;
  int month = 0;
  for (int i = 0; i < 12; ++i) {
    if (text.substr(8, 3) == kMonths[i]) month = i + 1;
  }
  const auto day = digits(text, 5, 2);
  const auto year = digits(text, 12, 4);
  const auto hour = digits(text, 17, 2);
  const auto minute = digits(text, 20, 2);
  const auto second = digits(text, 23, 2);
  if (month == 0 || !day || !year || !hour || !minute || !second) return std::nullopt;
  return to_epoch(*year, month, *day, *hour, *minute, *second);
}

}  // namespace detail

std::optional<std::int64_t> parse_amz_date(std::string_view text) {
  if (text.size() != 16 || text[8] != 'T' || text[15] != 'Z') return std::nullopt;
  const auto year = detail::digits(text, 0, 4);
  const auto month = detail::digits(text, 4, 2);
  const auto day = detail::digits(text, 6, 2);
  const auto hour = detail::digits(text, 9, 2);
  const auto minute = detail::digits(text, 11, 2);
  const auto second = detail::digits(text, 13, 2);
  if (!year || !month || !day || !hour || !minute || !second) return std::nullopt;
  return detail::to_epoch(*year, *month, *day, *hour, *minute, *second);
}

std::string format_amz_date(std::int64_t epoch_seconds) {
  const std::int64_t days = floor_div(epoch_seconds, 86400);
  const std::int64_t rem = floor_mod(epoch_seconds, 86400);
  const CivilDate date = civil_from_days(days);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04lld%02u%02uT%02d%02d%02dZ", static_cast<long long>(date.year),
                date.month, date.day, static_cast<int>(rem / 3600), static_cast<int>(rem % 3600 / 60),
                static_cast<int>(rem % 60));
  return buf;
}

}  // namespace fanout::auth
