#include <gtest/gtest.h>

#include "services/s3/s3_address.h"

namespace fanout::services::s3 {
namespace {

TEST(S3Address, PathStyle) {
  auto a = resolve_address("localhost:4566", "/my-bucket/dir/my%20key.txt");
  EXPECT_EQ(a.bucket, "my-bucket");
  EXPECT_EQ(a.key, "dir/my key.txt");
  EXPECT_FALSE(a.virtual_host);
  EXPECT_EQ(resolve_address("127.0.0.1:4566", "/b").key, "");
  EXPECT_EQ(resolve_address("127.0.0.1:4566", "/b/").key, "");
  EXPECT_EQ(resolve_address("127.0.0.1:4566", "/").bucket, "");
  EXPECT_EQ(resolve_address("s3.localhost.localstack.cloud:4566", "/b/k").bucket, "b");
  EXPECT_EQ(resolve_address("s3.amazonaws.com", "/b/k+x").key, "k+x");
  EXPECT_EQ(resolve_address("localhost:4566", "/b/a%2F..%2Fb").key, "a/../b");
}

TEST(S3Address, VirtualHosted) {
  auto a = resolve_address("my-bucket.localhost:4566", "/dir/key");
  EXPECT_EQ(a.bucket, "my-bucket");
  EXPECT_EQ(a.key, "dir/key");
  EXPECT_TRUE(a.virtual_host);
  EXPECT_EQ(resolve_address("my.dotted.bucket.s3.localhost.localstack.cloud:4566", "/k").bucket,
            "my.dotted.bucket");
  EXPECT_EQ(resolve_address("b1.s3.us-west-2.amazonaws.com", "/k").bucket, "b1");
  EXPECT_EQ(resolve_address("b1.s3.amazonaws.com", "/").key, "");
  EXPECT_EQ(resolve_address("B1.LOCALHOST", "/").bucket, "b1");
}

}  // namespace
}  // namespace fanout::services::s3
