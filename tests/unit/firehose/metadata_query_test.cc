#include "services/firehose/metadata_query.h"

#include <gtest/gtest.h>

namespace fanout::services::firehose {
namespace {

TEST(MetadataQuery, ObjectOfPaths) {
  auto q = MetadataQuery::parse("{customer_id: .customer.id, device: .device}");
  ASSERT_TRUE(q);
  EXPECT_EQ(q->keys(), (std::vector<std::string>{"customer_id", "device"}));
  auto keys = q->evaluate(R"({"customer":{"id":"c-1"},"device":"mobile"})");
  ASSERT_TRUE(keys);
  EXPECT_EQ(keys->at("customer_id"), "c-1");
  EXPECT_EQ(keys->at("device"), "mobile");
}

TEST(MetadataQuery, QuotedKeysSubscriptsAndScalars) {
  auto q = MetadataQuery::parse(
      R"({"year": .date.year, sku: .items[0].sku, last: .items[-1]["sku"], ok: ."flag"})");
  ASSERT_TRUE(q);
  auto keys = q->evaluate(R"({"date":{"year":2024},"items":[{"sku":"a"},{"sku":"b"}],"flag":true})");
  ASSERT_TRUE(keys);
  EXPECT_EQ(keys->at("year"), "2024");
  EXPECT_EQ(keys->at("sku"), "a");
  EXPECT_EQ(keys->at("last"), "b");
  EXPECT_EQ(keys->at("ok"), "true");
}

TEST(MetadataQuery, RecordsThatFailPartitioning) {
  auto q = MetadataQuery::parse("{id: .customer.id}");
  ASSERT_TRUE(q);
  EXPECT_FALSE(q->evaluate("not json"));
  EXPECT_FALSE(q->evaluate("[1,2]"));
  EXPECT_FALSE(q->evaluate(R"({"customer":{}})"));
  EXPECT_FALSE(q->evaluate(R"({"customer":{"id":null}})"));
  EXPECT_FALSE(q->evaluate(R"({"customer":{"id":{"x":1}}})"));
}

// A subscript too large for a long is a bad query (InvalidArgumentException at create), not an
// out_of_range thrown from std::stol.
TEST(MetadataQuery, HugeSubscriptIsRefusedNotThrown) {
  std::string error;
  EXPECT_FALSE(MetadataQuery::parse("{id: .items[99999999999999999999999]}", &error));
  EXPECT_NE(error.find("bad subscript"), std::string::npos) << error;
  EXPECT_FALSE(MetadataQuery::parse("{id: .items[-99999999999999999999999]}"));
}

TEST(MetadataQuery, RejectsOutsideTheSubset) {
  std::string why;
  EXPECT_FALSE(MetadataQuery::parse(".customer.id", &why));
  EXPECT_FALSE(MetadataQuery::parse("{}", &why));
  EXPECT_FALSE(MetadataQuery::parse("{a: customer}", &why));
  EXPECT_FALSE(MetadataQuery::parse("{a: .}", &why));
  EXPECT_FALSE(MetadataQuery::parse("{a: .x, a: .y}", &why));
  EXPECT_FALSE(MetadataQuery::parse("{a: .x | tostring}", &why));
  EXPECT_FALSE(MetadataQuery::parse("{a: .x} trailing", &why));
}

}  // namespace
}  // namespace fanout::services::firehose
