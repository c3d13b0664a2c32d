#include "protocol/form_params.h"

#include <gtest/gtest.h>

namespace fanout::protocol {

TEST(FormParams, DecodesPercentAndPlus) {
  auto params = parse_form("Action=SendMessage&MessageBody=a+b%26c%3D%F0%9F%98%80&Empty=&NoValue");
  ASSERT_TRUE(params);
  EXPECT_EQ(params->at("Action"), "SendMessage");
  EXPECT_EQ(params->at("MessageBody"), "a b&c=\xF0\x9F\x98\x80");
  EXPECT_EQ(params->at("Empty"), "");
  EXPECT_EQ(params->at("NoValue"), "");
}

TEST(FormParams, RejectsBadEscapes) {
  EXPECT_FALSE(parse_form("a=%"));
  EXPECT_FALSE(parse_form("a=%4"));
  EXPECT_FALSE(parse_form("a=%zz"));
  EXPECT_FALSE(parse_form("%="));
}

TEST(FormParams, FirstValueWinsForRepeatedKeys) {
  auto params = parse_form("a=1&a=2");
  ASSERT_TRUE(params);
  EXPECT_EQ(params->at("a"), "1");
}

}  // namespace fanout::protocol
