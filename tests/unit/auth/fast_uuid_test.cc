// fast_uuid_v4(): RFC 4122 version-4 UUID text, unique across calls and threads.
#include "common/fast_uuid.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace fanout::crypto {
namespace {

TEST(FastUuid, IsAVersion4Uuid) {
  const std::regex uuid("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  for (int i = 0; i < 1000; ++i) {
    const auto id = fast_uuid_v4();
    ASSERT_TRUE(std::regex_match(id, uuid)) << id;
  }
}

TEST(FastUuid, UniqueAcrossCallsAndThreads) {
  std::vector<std::vector<std::string>> drawn(4);
  std::vector<std::thread> threads;
  threads.reserve(drawn.size());
  for (auto& ids : drawn) {
    threads.emplace_back([&ids] {
      for (int i = 0; i < 20000; ++i) ids.push_back(fast_uuid_v4());
    });
  }
  for (auto& t : threads) t.join();
  std::set<std::string> all;
  for (const auto& ids : drawn) all.insert(ids.begin(), ids.end());
  EXPECT_EQ(all.size(), 4u * 20000u);  // threads are seeded independently: no shared sequence
}

TEST(FastUuid, FormatsGivenBitsWithTheVersionAndVariant) {
  EXPECT_EQ(format_uuid(0x0123456789abcdefULL, 0xfedcba9876543210ULL, 4),
            "01234567-89ab-4def-bedc-ba9876543210");
  EXPECT_EQ(format_uuid(0, 0, 4), "00000000-0000-4000-8000-000000000000");
  EXPECT_EQ(format_uuid(~0ULL, ~0ULL, 4), "ffffffff-ffff-4fff-bfff-ffffffffffff");
  EXPECT_EQ(format_uuid(0x0193a1b2c3d4ffffULL, 0, 7), "0193a1b2-c3d4-7fff-8000-000000000000");
}

}  // namespace
}  // namespace fanout::crypto
