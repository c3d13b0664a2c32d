#include "store/key_range.h"

#include <gtest/gtest.h>

#include <string>

namespace fanout::store {
namespace {

using namespace std::string_literals;

TEST(PrefixSuccessor, IncrementsLastByte) {
  EXPECT_EQ(prefix_successor("abc"), "abd");
  EXPECT_EQ(prefix_successor("a\x00"s), "a\x01"s);
}

TEST(PrefixSuccessor, CarriesPastTrailingFf) {
  EXPECT_EQ(prefix_successor("a\xff\xff"s), "b");
  EXPECT_EQ(prefix_successor("\x01\xff"s), "\x02"s);
  EXPECT_EQ(prefix_successor("\xfe"s), "\xff"s);
}

TEST(PrefixSuccessor, UnboundedWhenNoSuccessorExists) {
  EXPECT_EQ(prefix_successor(""), "");
  EXPECT_EQ(prefix_successor("\xff\xff"s), "");
}

}  // namespace
}  // namespace fanout::store
