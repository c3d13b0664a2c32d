// MD5OfMessageBody / MD5OfMessageAttributes / MD5OfMessageSystemAttributes as AWS computes them
// (the SDKs verify these).
//
// Test vectors were computed once, independently of this code base, with a Python snippet that
// implements the algorithm AWS documents (sorted names; each name and data type as 4-byte
// big-endian length + bytes; transport byte 1 = String/Number, 2 = Binary; length + value; MD5
// hex) and cross-checked against moto's SQS implementation (moto/sqs/models.py
// Message.attribute_md5). botocore itself validates no SQS MD5s. "baz"/"qux" comes from a real
// AWS response quoted in aws/aws-sdk-ruby issue #1885:
//   send_message(message_body: '{"foo":20}', message_attributes: {baz: String "qux"})
//   → md5_of_message_body d6cf0f93237ada70daf9b6e75cfff2e6,
//     md5_of_message_attributes 16bd0283a5b4962721ccd3efe4bc6257
#include "common/crypto.h"
#include "services/sqs/message_attributes.h"
#include "sqs_fixture.h"

namespace fanout::services::sqs::testing {
namespace {

json::object string_attribute(const std::string& type, const std::string& value) {
  return {{"DataType", type}, {"StringValue", value}};
}

TEST(SqsMd5, AttributeDigestMatchesIndependentVectors) {
  EXPECT_EQ(md5_of_attributes({{"baz", "String", "qux"}}), "16bd0283a5b4962721ccd3efe4bc6257");
  EXPECT_EQ(md5_of_attributes({{"color", "String", "blue"}}), "da1b33cc3cbfe8b1630921e78e6b9880");
  // Sorted by name: alpha, blob, zeta.
  MessageAttributes mixed{{"alpha", "String.custom", "h\xC3\xA9llo \xE2\x98\x83"},
                          {"blob", "Binary", std::string("\x00\x01\x02\xff", 4)},
                          {"zeta", "Number", "42"}};
  EXPECT_EQ(md5_of_attributes(mixed), "d456029bf3a549f35c849b662b943068");
  EXPECT_EQ(md5_of_system_attributes("Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1"),
            "5f48eef650c1d0207456969c85af2fdd");
}

TEST(SqsMd5, ParsingSortsAttributesByName) {
  json::object input{
      {"zeta", string_attribute("Number", "42")},
      {"blob",
       {{"DataType", "Binary"}, {"BinaryValue", crypto::base64_encode(std::string("\x00\x01\x02\xff", 4))}}},
      {"alpha", string_attribute("String.custom", "h\xC3\xA9llo \xE2\x98\x83")}};
  auto parsed = parse_message_attributes(&input);
  ASSERT_EQ(parsed.size(), 3u);
  EXPECT_EQ(parsed[0].name, "alpha");
  EXPECT_EQ(md5_of_attributes(parsed), "d456029bf3a549f35c849b662b943068");
}

class SqsMd5Engine : public SqsTest {};

TEST_F(SqsMd5Engine, SendAndReceiveReturnAwsDigests) {
  auto url = create("digests");
  auto sent = send(url, "{\"foo\":20}",
                   {{"MessageAttributes", {{"baz", string_attribute("String", "qux")}}},
                    {"MessageSystemAttributes",
                     {{"AWSTraceHeader",
                       string_attribute("String", "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1")}}}});
  EXPECT_EQ(sent.at("MD5OfMessageBody").as_string(), "d6cf0f93237ada70daf9b6e75cfff2e6");
  EXPECT_EQ(sent.at("MD5OfMessageAttributes").as_string(), "16bd0283a5b4962721ccd3efe4bc6257");
  EXPECT_EQ(sent.at("MD5OfMessageSystemAttributes").as_string(), "5f48eef650c1d0207456969c85af2fdd");

  auto messages = receive(url, {{"MessageAttributeNames", json::array{"All"}},
                                {"MessageSystemAttributeNames", json::array{"AWSTraceHeader"}}});
  ASSERT_EQ(messages.size(), 1u);
  const auto& m = messages[0].as_object();
  EXPECT_EQ(m.at("MD5OfBody").as_string(), "d6cf0f93237ada70daf9b6e75cfff2e6");
  EXPECT_EQ(m.at("MD5OfMessageAttributes").as_string(), "16bd0283a5b4962721ccd3efe4bc6257");
  EXPECT_EQ(m.at("MessageAttributes").at("baz").at("StringValue").as_string(), "qux");
  EXPECT_EQ(m.at("Attributes").at("AWSTraceHeader").as_string(),
            "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1");
}

TEST_F(SqsMd5Engine, NoAttributesNoAttributeDigest) {
  auto url = create("plain");
  auto sent = send(url, "hello world");
  EXPECT_EQ(sent.at("MD5OfMessageBody").as_string(), "5eb63bbbe01eeed093cb22bb8f5acdc3");
  EXPECT_FALSE(sent.contains("MD5OfMessageAttributes"));
  EXPECT_FALSE(sent.contains("MD5OfMessageSystemAttributes"));
  auto messages = receive(url, {{"MessageAttributeNames", json::array{"All"}}});
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_FALSE(messages[0].as_object().contains("MD5OfMessageAttributes"));
  EXPECT_FALSE(messages[0].as_object().contains("MessageAttributes"));
}

TEST_F(SqsMd5Engine, ReceiveDigestCoversTheReturnedSubset) {
  auto url = create("subset");
  send(url, "x",
       {{"MessageAttributes",
         {{"color", string_attribute("String", "blue")}, {"size", string_attribute("Number", "3")}}}});
  auto messages = receive(url, {{"MessageAttributeNames", json::array{"color"}}});
  ASSERT_EQ(messages.size(), 1u);
  const auto& m = messages[0].as_object();
  EXPECT_EQ(m.at("MessageAttributes").as_object().size(), 1u);
  EXPECT_EQ(m.at("MD5OfMessageAttributes").as_string(), "da1b33cc3cbfe8b1630921e78e6b9880");
}

TEST_F(SqsMd5Engine, BinaryAttributeRoundTrips) {
  auto url = create("binary");
  const std::string bytes("\x00\x01\x02\xff", 4);
  send(url, "b",
       {{"MessageAttributes",
         {{"blob", {{"DataType", "Binary"}, {"BinaryValue", crypto::base64_encode(bytes)}}}}}});
  auto messages = receive(url, {{"MessageAttributeNames", json::array{".*"}}});
  ASSERT_EQ(messages.size(), 1u);
  const auto& value = messages[0].at("MessageAttributes").at("blob").as_object();
  EXPECT_EQ(value.at("DataType").as_string(), "Binary");
  EXPECT_EQ(value.at("BinaryValue").as_string(), crypto::base64_encode(bytes));
}

}  // namespace
}  // namespace fanout::services::sqs::testing
