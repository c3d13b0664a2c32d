#include "services/s3/key_path.h"

#include <gtest/gtest.h>

#include <vector>

#include "services/s3/bucket_name.h"

namespace fanout::services::s3 {
namespace {

TEST(KeyPath, OrdinaryKeysKeepTheirPath) {
  EXPECT_EQ(natural_path("landing_date=2024-01-01/part-0001.gz"), "landing_date=2024-01-01/part-0001.gz");
  EXPECT_EQ(natural_path("a"), "a");
  EXPECT_EQ(natural_path("dir/sub dir/file name+1.txt"), "dir/sub dir/file name+1.txt");
  EXPECT_EQ(natural_path("..a/b.."), "..a/b..");
  EXPECT_EQ(natural_path(std::string(255, 'x')), std::string(255, 'x'));
}

TEST(KeyPath, UnsafeKeysAreEscaped) {
  for (const std::string& key :
       std::vector<std::string>{"../etc/passwd", "a/../../b", "/leading", "double//slash", "trailing/", ".",
                                "..", "a/./b", std::string("nul\0byte", 8), std::string(256, 'y'),
                                std::string(kEscapeDir) + "/x", "", std::string(1025, 'z')}) {
    EXPECT_FALSE(natural_path(key)) << key;
    auto escaped = escaped_path(key);
    EXPECT_TRUE(escaped.starts_with(std::string(kEscapeDir) + "/"));
    EXPECT_EQ(escaped.size(), kEscapeDir.size() + 1 + 64);
    EXPECT_EQ(escaped.find(".."), std::string::npos);
  }
  EXPECT_NE(escaped_path("a/"), escaped_path("a//"));
}

TEST(BucketName, AwsRules) {
  for (const std::string& good :
       std::vector<std::string>{"abc", "my-bucket", "my.bucket.1", "a1b", std::string(63, 'a')}) {
    EXPECT_TRUE(valid_bucket_name(good)) << good;
  }
  for (const char* bad : {"ab", "Upper", "under_score", "-start", "end-", "a..b", "192.168.1.1", "xn--abc",
                          "bucket-s3alias", "a.-b", "sthree-x", "my--ol-s3"}) {
    EXPECT_FALSE(valid_bucket_name(bad)) << bad;
  }
  EXPECT_FALSE(valid_bucket_name(std::string(64, 'a')));
}

}  // namespace
}  // namespace fanout::services::s3
