#include <gtest/gtest.h>

#include "common/iso8601.h"
#include "services/s3/object_meta.h"
#include "services/s3/s3_xml.h"

namespace fanout::services::s3 {
namespace {

TEST(S3Xml, DeleteObjects) {
  auto parsed = parse_delete_objects(
      R"(<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Object><Key>a</Key></Object><Object><Key>b &amp; c</Key></Object><Quiet>true</Quiet></Delete>)");
  ASSERT_TRUE(parsed);
  EXPECT_TRUE(parsed->quiet);
  EXPECT_EQ(parsed->keys, (std::vector<std::string>{"a", "b & c"}));
  EXPECT_FALSE(parse_delete_objects("<Delete></Delete>"));
  EXPECT_FALSE(parse_delete_objects("<Delete><Object><Key>a</Key>"));
  EXPECT_FALSE(parse_delete_objects("<Other/>"));
}

TEST(S3Xml, CompleteMultipartUpload) {
  auto parts = parse_complete_multipart(
      R"(<CompleteMultipartUpload><Part><ETag>"e1"</ETag><PartNumber>1</PartNumber></Part><Part><PartNumber> 2 </PartNumber><ETag>e2</ETag></Part></CompleteMultipartUpload>)");
  ASSERT_TRUE(parts);
  ASSERT_EQ(parts->size(), 2u);
  EXPECT_EQ((*parts)[0].etag, "\"e1\"");
  EXPECT_EQ((*parts)[1].part_number, 2);
  EXPECT_FALSE(parse_complete_multipart(
      "<CompleteMultipartUpload><Part><PartNumber>x</PartNumber></Part></CompleteMultipartUpload>"));
  EXPECT_FALSE(parse_complete_multipart("<CompleteMultipartUpload/>"));
}

TEST(S3Xml, CreateBucketConfigurationAndTagging) {
  EXPECT_EQ(parse_create_bucket_configuration(""), "");
  EXPECT_EQ(
      parse_create_bucket_configuration(
          R"(<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>)"),
      "eu-west-1");
  EXPECT_FALSE(parse_create_bucket_configuration("<nope"));
  auto tags = parse_tagging(
      "<Tagging><TagSet><Tag><Key>k</Key><Value>v</Value></Tag><Tag><Key>e</Key><Value></Value></Tag></"
      "TagSet></Tagging>");
  ASSERT_TRUE(tags);
  EXPECT_EQ(*tags, (Tags{{"k", "v"}, {"e", ""}}));
  EXPECT_FALSE(parse_tagging("<Tagging/>"));
}

TEST(S3Xml, Dates) {
  EXPECT_EQ(iso8601_ms(1255369830123), "2009-10-12T17:50:30.123Z");
  EXPECT_EQ(http_date(1255369800000), "Mon, 12 Oct 2009 17:50:00 GMT");
  EXPECT_EQ(parse_http_date_ms("Mon, 12 Oct 2009 17:50:00 GMT"), 1255369800000);
  EXPECT_FALSE(parse_http_date_ms("yesterday"));
}

TEST(ObjectMeta, RoundTrip) {
  ObjectMeta meta;
  meta.key = "a/b";
  meta.path = "a/b";
  meta.size = 42;
  meta.etag = "\"abc\"";
  meta.checksums["CRC32"] = "AAAAAA==";
  meta.attributes.user_metadata["x"] = "y";
  meta.attributes.tags = {{"k", "v"}};
  meta.attributes.content_type = "text/plain";
  auto decoded = decode_object_meta(encode_object_meta(meta));
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->size, 42u);
  EXPECT_EQ(decoded->checksums, meta.checksums);
  EXPECT_EQ(decoded->attributes.user_metadata, meta.attributes.user_metadata);
  EXPECT_EQ(decoded->attributes.tags, meta.attributes.tags);
  EXPECT_EQ(decoded->attributes.content_type, "text/plain");
  EXPECT_FALSE(decode_object_meta("{"));
}

}  // namespace
}  // namespace fanout::services::s3
