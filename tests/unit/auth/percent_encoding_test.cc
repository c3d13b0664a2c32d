#include "common/percent_encoding.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace fanout::percent_encoding {
namespace {

TEST(PercentEncoding, EncodesAllButTheUnreservedSetInUpperCaseHex) {
  EXPECT_EQ(encode("a b/c~d*"), "a%20b%2Fc~d%2A");
  EXPECT_EQ(encode("a/b", /*keep_slash=*/true), "a/b");
  EXPECT_EQ(encode("AZaz09-._~"), "AZaz09-._~");
  EXPECT_EQ(encode("+=&%"), "%2B%3D%26%25");
  EXPECT_EQ(encode(std::string("\0\xff\x80", 3)), "%00%FF%80");
  EXPECT_EQ(encode("\xF0\x9F\x98\x80"), "%F0%9F%98%80");
  EXPECT_EQ(encode(""), "");
}

TEST(PercentEncoding, AppendsToWhatIsThere) {
  std::string out = "a=";
  append_encoded(out, "x y");
  append_encoded(out, "/k/", /*keep_slash=*/true);
  append_encoded(out, "");
  EXPECT_EQ(out, "a=x%20y/k/");
}

TEST(PercentEncoding, UnreservedIsExactlyRfc3986s) {
  std::string unreserved;
  for (int c = 0; c < 256; ++c) {
    if (is_unreserved(static_cast<unsigned char>(c))) unreserved += static_cast<char>(c);
  }
  EXPECT_EQ(unreserved, "-.0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz~");
}

TEST(PercentEncoding, DecodesEscapesOfEitherCaseAndPlusOnlyInForms) {
  EXPECT_EQ(decode("a+b%26c%3d%F0%9F%98%80", true), "a b&c=\xF0\x9F\x98\x80");
  EXPECT_EQ(decode("a+b%2B", false), "a+b+");
  EXPECT_EQ(decode("%00", true), std::string(1, '\0'));
  EXPECT_EQ(decode("", true), "");
}

TEST(PercentEncoding, StrictDecodeRefusesWhatLenientKeepsLiteral) {
  for (const char* bad : {"%", "a%4", "%zz", "%4g", "x%"}) {
    EXPECT_FALSE(decode(bad, true)) << bad;
    EXPECT_EQ(decode_lenient(bad, false), bad) << bad;
  }
  EXPECT_EQ(decode_lenient("100%+%41", true), "100% A");
}

TEST(PercentEncoding, RandomBytesRoundTrip) {
  std::mt19937 rng(7);
  for (int round = 0; round < 2000; ++round) {
    std::string bytes(rng() % 64, '\0');
    for (auto& b : bytes) b = static_cast<char>(rng());
    const std::string encoded = encode(bytes);
    for (const char c : encoded) ASSERT_TRUE(is_unreserved(static_cast<unsigned char>(c)) || c == '%');
    ASSERT_EQ(decode(encoded, true), bytes);
    ASSERT_EQ(decode_lenient(encoded, false), bytes);
    ASSERT_EQ(decode(encode(bytes, true), false), bytes);
  }
}

}  // namespace
}  // namespace fanout::percent_encoding
