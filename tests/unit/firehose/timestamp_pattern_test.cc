#include "services/firehose/timestamp_pattern.h"

#include <gtest/gtest.h>

namespace fanout::services::firehose {
namespace {

// 2018-08-27T10:30:05.123Z, a Monday.
constexpr std::int64_t kTimeMs = 1535365805123;

std::string fmt(std::string_view pattern, std::int64_t t = kTimeMs) {
  auto p = TimestampPattern::parse(pattern);
  EXPECT_TRUE(p.has_value()) << pattern;
  return p ? p->format(t) : "";
}

TEST(TimestampPattern, CommonLetters) {
  EXPECT_EQ(fmt("yyyy-MM-dd"), "2018-08-27");
  EXPECT_EQ(fmt("yyyy/MM/dd/HH/"), "2018/08/27/10/");
  EXPECT_EQ(fmt("yy"), "18");
  EXPECT_EQ(fmt("HH:mm:ss"), "10:30:05");
  EXPECT_EQ(fmt("yyyy-MM-dd-HH-mm-ss"), "2018-08-27-10-30-05");
  EXPECT_EQ(fmt("SSS"), "123");
  EXPECT_EQ(fmt("M/d"), "8/27");
  EXPECT_EQ(fmt("MMM"), "Aug");
  EXPECT_EQ(fmt("MMMM"), "August");
  EXPECT_EQ(fmt("EEE"), "Mon");
  EXPECT_EQ(fmt("D"), "239");
  EXPECT_EQ(fmt("hh a"), "10 AM");
}

TEST(TimestampPattern, QuotedLiterals) {
  EXPECT_EQ(fmt("yyyy'-'MM'-'dd"), "2018-08-27");
  EXPECT_EQ(fmt("'year='yyyy"), "year=2018");
  EXPECT_EQ(fmt("'it''s' yyyy"), "it's 2018");
  EXPECT_EQ(fmt("''"), "'");
}

TEST(TimestampPattern, IsUtc) {
  EXPECT_EQ(fmt("yyyy-MM-dd HH", 0), "1970-01-01 00");
  EXPECT_EQ(fmt("yyyy-MM-dd HH:mm", 1700000000000), "2023-11-14 22:13");
}

TEST(TimestampPattern, RejectsWhatJavaRejects) {
  std::string why;
  EXPECT_FALSE(TimestampPattern::parse("yyyy-bb", &why));
  EXPECT_NE(why.find("Unknown pattern letter"), std::string::npos);
  EXPECT_FALSE(TimestampPattern::parse("'open", &why));
  EXPECT_FALSE(TimestampPattern::parse("ddd", &why));
  EXPECT_FALSE(TimestampPattern::parse("yyyy[MM]", &why));
}

}  // namespace
}  // namespace fanout::services::firehose
