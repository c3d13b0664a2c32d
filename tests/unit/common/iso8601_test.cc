#include "common/iso8601.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <ctime>
#include <limits>
#include <random>

#include "common/civil_date.h"

namespace fanout {
namespace {

// The C library's answer, as the formatters this one replaced computed it.
std::string with_gmtime(std::int64_t epoch_ms) {
  std::int64_t seconds = epoch_ms / 1000;
  std::int64_t millis = epoch_ms % 1000;
  if (millis < 0) {
    millis += 1000;
    --seconds;
  }
  const auto t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(millis));
  return buf;
}

static_assert(civil_from_days(0).year == 1970 && civil_from_days(0).month == 1 &&
              civil_from_days(0).day == 1);
static_assert(civil_from_days(11016).year == 2000 && civil_from_days(11016).month == 2 &&
              civil_from_days(11016).day == 29);
static_assert(civil_from_days(-1).year == 1969 && civil_from_days(-1).month == 12 &&
              civil_from_days(-1).day == 31);
static_assert(days_from_civil(2000, 2, 29) == 11016 && days_from_civil(1969, 12, 31) == -1);
static_assert(floor_div(-1, 86400) == -1 && floor_div(-86400, 86400) == -1 && floor_div(86399, 86400) == 0);
static_assert(floor_mod(-1, 86400) == 86399 && floor_mod(-86400, 86400) == 0 &&
              floor_mod(86399, 86400) == 86399);

TEST(CivilDate, DaysRoundTripFromYearOneToYear9999) {
  for (std::int64_t days = -719162; days <= 2932896; ++days) {
    const CivilDate date = civil_from_days(days);
    ASSERT_EQ(days_from_civil(date.year, date.month, date.day), days) << days;
  }
}

TEST(Iso8601, KnownInstants) {
  EXPECT_EQ(iso8601_ms(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(iso8601_ms(1700000000123), "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(iso8601_ms(951782400000), "2000-02-29T00:00:00.000Z");
  EXPECT_EQ(iso8601_ms(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(iso8601_ms(253402300799999), "9999-12-31T23:59:59.999Z");
  // The int64 extremes format without overflow (the sanitizer build checks).
  EXPECT_EQ(iso8601_ms(std::numeric_limits<std::int64_t>::min()).back(), 'Z');
  EXPECT_EQ(iso8601_ms(std::numeric_limits<std::int64_t>::max()).back(), 'Z');
}

TEST(Iso8601, MatchesGmtimeFromYearOneToYear9999) {
  std::mt19937_64 random(20261130);
  std::uniform_int_distribution<std::int64_t> instant(-62135596800000, 253402300799999);
  for (int i = 0; i < 200000; ++i) {
    const std::int64_t ms = instant(random);
    ASSERT_EQ(iso8601_ms(ms), with_gmtime(ms)) << ms;
  }
  // Every day boundary of four centuries around 2000 (leap rules: 1900 no, 2000 yes, 2100 no).
  for (std::int64_t day = -36524; day <= 3 * 36524 + 1; ++day) {
    const std::int64_t ms = day * 86'400'000;
    ASSERT_EQ(iso8601_ms(ms), with_gmtime(ms)) << ms;
    ASSERT_EQ(iso8601_ms(ms - 1), with_gmtime(ms - 1)) << ms - 1;
  }
}

}  // namespace
}  // namespace fanout
