#include "common/iso8601.h"

#include "common/civil_date.h"

namespace fanout {
namespace {

void append_digits(std::string& out, std::uint64_t value, int width) {
  char digits[20];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value != 0);
  for (int pad = n; pad < width; ++pad) out.push_back('0');
  while (n > 0) out.push_back(digits[--n]);
}

}  // namespace

std::string iso8601_ms(std::int64_t epoch_ms) {
  const std::int64_t days = floor_div(epoch_ms, 86'400'000);
  const auto ms_of_day = static_cast<std::uint64_t>(floor_mod(epoch_ms, 86'400'000));
  const CivilDate date = civil_from_days(days);
  std::string out;
  out.reserve(24);
  if (date.year < 0) out.push_back('-');
  append_digits(out, static_cast<std::uint64_t>(date.year < 0 ? -date.year : date.year), 4);
  out.push_back('-');
  append_digits(out, date.month, 2);
  out.push_back('-');
  append_digits(out, date.day, 2);
  out.push_back('T');
  append_digits(out, ms_of_day / 3'600'000, 2);
  out.push_back(':');
  append_digits(out, ms_of_day / 60'000 % 60, 2);
  out.push_back(':');
  append_digits(out, ms_of_day / 1000 % 60, 2);
  out.push_back('.');
  append_digits(out, ms_of_day % 1000, 3);
  out.push_back('Z');
  return out;
}

}  // namespace fanout
