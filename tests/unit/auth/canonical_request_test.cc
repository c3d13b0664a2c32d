// The canonicalisation pieces, one rule at a time.
#include "auth/canonical_request.h"

#include <gtest/gtest.h>

#include "auth/http_date.h"
#include "auth/sigv4.h"
#include "auth/uri_encoding.h"

namespace fanout::auth::detail {
namespace {

TEST(CanonicalUri, NormalizedServices) {
  EXPECT_EQ(canonical_uri("", true), "/");
  EXPECT_EQ(canonical_uri("/", true), "/");
  EXPECT_EQ(canonical_uri("//", true), "/");
  EXPECT_EQ(canonical_uri("/./", true), "/");
  EXPECT_EQ(canonical_uri("/example/..", true), "/");
  EXPECT_EQ(canonical_uri("/a/b/../../..", true), "/");
  EXPECT_EQ(canonical_uri("//example//", true), "/example/");
  EXPECT_EQ(canonical_uri("/./example", true), "/example");
  EXPECT_EQ(canonical_uri("/example space/", true), "/example%20space/");
  EXPECT_EQ(canonical_uri("/example/$delete", true), "/example/%24delete");
  // Escapes on the wire are encoded again outside S3.
  EXPECT_EQ(canonical_uri("/example%20space", true), "/example%2520space");
  EXPECT_EQ(canonical_uri("/\xe1\x88\xb4", true), "/%E1%88%B4");
  EXPECT_EQ(canonical_uri("/-._~AZaz09", true), "/-._~AZaz09");
}

TEST(CanonicalUri, S3KeepsThePathAndEncodesOnce) {
  EXPECT_EQ(canonical_uri("", false), "/");
  EXPECT_EQ(canonical_uri("//example//", false), "//example//");
  EXPECT_EQ(canonical_uri("/example/..", false), "/example/..");
  EXPECT_EQ(canonical_uri("/example space/", false), "/example%20space/");
  EXPECT_EQ(canonical_uri("/example%20space/", false), "/example%20space/");
  EXPECT_EQ(canonical_uri("/test$file.text", false), "/test%24file.text");
  EXPECT_EQ(canonical_uri("/a%2Fb", false), "/a%2Fb");
  EXPECT_EQ(canonical_uri("/100%", false), "/100%25");
  EXPECT_EQ(canonical_uri("/100%zz", false), "/100%25zz");
  EXPECT_EQ(canonical_uri("/\xe1\x88\xb4", false), "/%E1%88%B4");
}

TEST(CanonicalQuery, SortsEncodesAndDecodesOnce) {
  auto canonical = [](std::string_view raw) { return canonical_query_string(parse_query(raw)); };
  EXPECT_EQ(canonical(""), "");
  EXPECT_EQ(canonical("Param2=value2&Param1=value1"), "Param1=value1&Param2=value2");
  EXPECT_EQ(canonical("Param1=value2&Param1=Value1"), "Param1=Value1&Param1=value2");
  EXPECT_EQ(canonical("Param-3=Value3&Param=Value2&%E1%88%B4=Value1"),
            "%E1%88%B4=Value1&Param=Value2&Param-3=Value3");
  EXPECT_EQ(canonical("\xe1\x88\xb4=bar"), "%E1%88%B4=bar");
  EXPECT_EQ(canonical("lifecycle"), "lifecycle=");
  EXPECT_EQ(canonical("a=&b"), "a=&b=");
  EXPECT_EQ(canonical("&&a=1&&"), "a=1");
  // '+' is a space on the wire (form encoding, which botocore's urlencode emits).
  EXPECT_EQ(canonical("q=a+b&r=%2B"), "q=a%20b&r=%2B");
  EXPECT_EQ(canonical("k=%7e%7E~"), "k=~~~");
  EXPECT_EQ(canonical("k=%zz&l=%"), "k=%25zz&l=%25");
  EXPECT_EQ(canonical("k=a=b"), "k=a%3Db");
  EXPECT_EQ(canonical("=v"), "=v");
}

TEST(CanonicalHeaders, TrimCollapseJoin) {
  EXPECT_EQ(canonical_header_value("  value1 "), "value1");
  EXPECT_EQ(canonical_header_value("\"a   b   c\""), "\"a b c\"");
  EXPECT_EQ(canonical_header_value("value1\r\n  value2\n\tvalue3"), "value1 value2 value3");
  const std::vector<Header> headers = {
      {"Host", "example.amazonaws.com"}, {"My-Header1", "value4"}, {"my-header1", " value1 "},
      {"MY-HEADER1", "value3"},          {"Unsigned", "x"},        {"My-Header1", "value2"},
  };
  EXPECT_EQ(canonical_headers(headers, {"host", "my-header1", "absent"}),
            "host:example.amazonaws.com\nmy-header1:value4,value1,value3,value2\nabsent:\n");
}

TEST(SplitTarget, OriginAndAbsoluteForms) {
  auto parts = split_target("/p/a?x=1#frag");
  EXPECT_EQ(parts.path, "/p/a");
  EXPECT_EQ(parts.query, "x=1");
  parts = split_target("HTTP://host:80/p?q");
  EXPECT_EQ(parts.path, "/p");
  EXPECT_EQ(parts.query, "q");
  parts = split_target("https://host");
  EXPECT_EQ(parts.path, "");
  EXPECT_EQ(parts.query, "");
}

TEST(AmzDate, RoundTripsAndRejects) {
  EXPECT_EQ(parse_amz_date("19700101T000000Z"), 0);
  EXPECT_EQ(parse_amz_date("20150830T123600Z"), 1440938160);
  EXPECT_EQ(parse_amz_date("20000229T235959Z"), 951868799);
  EXPECT_EQ(format_amz_date(1440938160), "20150830T123600Z");
  EXPECT_EQ(format_amz_date(0), "19700101T000000Z");
  EXPECT_EQ(format_amz_date(-1), "19691231T235959Z");
  for (std::int64_t t = -86400LL * 800; t < 86400LL * 365 * 500; t += 86400LL * 37 + 3607) {
    EXPECT_EQ(parse_amz_date(format_amz_date(t)), t);
  }
  for (const char* bad :
       {"", "20150830T123600", "20150830T123600z", "2015083OT123600Z", "20150830 123600Z", "20151301T000000Z",
        "20150001T000000Z", "20150231T000000Z", "20190229T000000Z", "20150830T240000Z", "20150830T126000Z",
        "20150830T123660Z", "2015-08-30T12:36:00Z", "+0150830T123600Z"}) {
    EXPECT_FALSE(parse_amz_date(bad).has_value()) << bad;
  }
  // Extreme inputs format without overflow.
  EXPECT_FALSE(format_amz_date(INT64_MAX).empty());
  EXPECT_FALSE(format_amz_date(INT64_MIN).empty());
}

TEST(HttpDate, Rfc1123Only) {
  EXPECT_EQ(parse_http_date("Fri, 24 May 2013 00:00:00 GMT"), 1369353600);
  EXPECT_EQ(parse_http_date("Sun, 30 Aug 2015 12:36:00 GMT"), 1440938160);
  EXPECT_FALSE(parse_http_date("Sunday, 30-Aug-15 12:36:00 GMT").has_value());
  EXPECT_FALSE(parse_http_date("Sun, 30 Foo 2015 12:36:00 GMT").has_value());
  EXPECT_FALSE(parse_http_date("Sun, 31 Sep 2015 12:36:00 GMT").has_value());
  EXPECT_EQ(parse_http_date("Sun, 30 Aug 2015 12:36:00 -0000"), 1440938160);  // email.utils.formatdate
  EXPECT_FALSE(parse_http_date("Sun, 30 Aug 2015 12:36:00 CEST").has_value());
  EXPECT_FALSE(parse_http_date("Sun, 30 Aug 2015 12:36:00 +0100").has_value());
}

}  // namespace
}  // namespace fanout::auth::detail
