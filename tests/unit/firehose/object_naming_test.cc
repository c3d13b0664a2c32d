#include "services/firehose/object_naming.h"

#include <gtest/gtest.h>

#include "services/firehose/firehose_error.h"

namespace fanout::services::firehose {
namespace {

constexpr std::int64_t kT = 1535365805123;  // 2018-08-27T10:30:05.123Z
constexpr std::string_view kUuid = "8d1e1c5a-4c3b-4b6a-9d2e-0123456789ab";

ObjectNaming::Object object(const std::map<std::string, std::string>* keys = nullptr,
                            std::string_view ext = "") {
  return {"orders", 3, kT, keys, kUuid, ext};
}

std::string invalid_message(std::string_view prefix, std::string_view error_prefix, bool dynamic = false) {
  try {
    ObjectNaming::make(prefix, error_prefix, dynamic);
  } catch (const FirehoseError& e) {
    EXPECT_EQ(e.error().code, "InvalidArgumentException");
    return e.error().message;
  }
  return "";
}

TEST(ObjectNaming, DefaultPrefixIsHourFolders) {
  auto n = ObjectNaming::make("", "", false);
  EXPECT_EQ(n.data_key(object()),
            "2018/08/27/10/orders-3-2018-08-27-10-30-05-8d1e1c5a-4c3b-4b6a-9d2e-0123456789ab");
  EXPECT_EQ(n.data_key(object(nullptr, ".gz")),
            "2018/08/27/10/orders-3-2018-08-27-10-30-05-8d1e1c5a-4c3b-4b6a-9d2e-0123456789ab.gz");
  EXPECT_EQ(
      n.error_key(object(), "processing-failed"),
      "processing-failed/2018/08/27/10/orders-3-2018-08-27-10-30-05-8d1e1c5a-4c3b-4b6a-9d2e-0123456789ab");
}

TEST(ObjectNaming, LiteralPrefixGetsHourFolders) {
  auto n = ObjectNaming::make("myapp/", "failures/", false);
  EXPECT_TRUE(n.data_key(object()).starts_with("myapp/2018/08/27/10/orders-3-"));
  EXPECT_TRUE(n.error_key(object(), "partitioning-failed")
                  .starts_with("failures/partitioning-failed/2018/08/27/10/"));
}

TEST(ObjectNaming, ReferencePrefix) {
  auto n = ObjectNaming::make("landing_date=!{timestamp:yyyy-MM-dd}/",
                              "errors/!{firehose:error-output-type}/", false);
  EXPECT_EQ(n.data_key(object()),
            "landing_date=2018-08-27/orders-3-2018-08-27-10-30-05-8d1e1c5a-4c3b-4b6a-9d2e-0123456789ab");
  EXPECT_TRUE(
      n.error_key(object(), "partitioning-failed").starts_with("errors/partitioning-failed/orders-3-"));
}

TEST(ObjectNaming, ExpressionsEvaluate) {
  std::map<std::string, std::string> keys{{"customer_id", "c-42"}};
  auto n = ObjectNaming::make(
      "customer=!{partitionKeyFromQuery:customer_id}/!{timestamp:yyyy}/!{timestamp:'h='HH}/",
      "err/!{firehose:error-output-type}/!{timestamp:yyyy/MM}/", true);
  EXPECT_TRUE(n.data_key(object(&keys)).starts_with("customer=c-42/2018/h=10/orders-3-"));
  EXPECT_TRUE(
      n.error_key(object(), "partitioning-failed").starts_with("err/partitioning-failed/2018/08/orders-"));
  auto r = ObjectNaming::make("r/!{firehose:random-string}/", "e/!{firehose:error-output-type}", false);
  auto key = r.data_key(object());
  ASSERT_TRUE(key.starts_with("r/"));
  EXPECT_EQ(key.find('/', 2), 13u);  // 11 random characters
}

TEST(ObjectNaming, AwsPrefixRules) {
  EXPECT_NE(invalid_message("!{timestamp:yyyy}/", ""), "");
  EXPECT_NE(invalid_message("!{firehose:error-output-type}/", "e/"), "");
  EXPECT_NE(invalid_message("p/", "e/!{timestamp:yyyy}/"), "");           // no error-output-type
  EXPECT_NE(invalid_message("p/!{partitionKeyFromQuery:a}/", "e/"), "");  // dynamic partitioning off
  EXPECT_NE(invalid_message("p/", "e/", true), "");                       // dynamic partitioning without keys
  EXPECT_NE(invalid_message("p/!{partitionKeyFromQuery:a}/", "", true), "");
  EXPECT_NE(invalid_message("p/", "e/!{partitionKeyFromQuery:a}/!{firehose:error-output-type}"), "");
  EXPECT_NE(invalid_message("p/!{unknown:x}/", "e/"), "");
  EXPECT_NE(invalid_message("p/!{timestamp:yyyy", "e/"), "");
  EXPECT_NE(invalid_message("p/!{timestamp:bbbb}/", "e/!{firehose:error-output-type}"), "");
  EXPECT_NE(invalid_message("p/!{firehose:other}/", "e/"), "");
  // Valid combinations.
  EXPECT_EQ(invalid_message("plain/", ""), "");
  EXPECT_EQ(invalid_message("", ""), "");
  EXPECT_EQ(invalid_message("d=!{timestamp:yyyy-MM-dd}/", "errors/"), "");
}

TEST(ObjectNaming, Extensions) {
  EXPECT_EQ(compression_extension("GZIP"), ".gz");
  EXPECT_EQ(compression_extension("ZIP"), ".zip");
  EXPECT_EQ(compression_extension("Snappy"), ".snappy");
  EXPECT_EQ(compression_extension("HADOOP_SNAPPY"), ".snappy");
  EXPECT_EQ(compression_extension("UNCOMPRESSED"), "");
}

}  // namespace
}  // namespace fanout::services::firehose
