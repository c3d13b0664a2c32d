#include "protocol/query_codec.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "protocol/input_validation.h"

namespace fanout::protocol {
namespace json = boost::json;

namespace {
const ServiceModel& sqs() { return ServiceModel::embedded("sqs"); }

json::object decode(const std::string& op, const std::string& form) {
  auto params = parse_form(form);
  EXPECT_TRUE(params);
  auto result = decode_query_input(*sqs().operation(op), *params);
  EXPECT_TRUE(std::holds_alternative<json::object>(result));
  return std::get<json::object>(result);
}
}  // namespace

TEST(QueryDecode, FlattenedListsAndMapsUseLocationNames) {
  // As botocore's query serializer writes SendMessageBatch.
  auto input = decode("SendMessageBatch",
                      "Action=SendMessageBatch&QueueUrl=http%3A%2F%2Fx%2F0%2Fq"
                      "&SendMessageBatchRequestEntry.1.Id=a&SendMessageBatchRequestEntry.1.MessageBody=hello"
                      "&SendMessageBatchRequestEntry.1.DelaySeconds=5"
                      "&SendMessageBatchRequestEntry.1.MessageAttribute.1.Name=color"
                      "&SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.DataType=String"
                      "&SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.StringValue=red"
                      "&SendMessageBatchRequestEntry.2.Id=b&SendMessageBatchRequestEntry.2.MessageBody=bye");
  auto expected = json::parse(R"({"QueueUrl":"http://x/0/q","Entries":[
    {"Id":"a","MessageBody":"hello","DelaySeconds":5,
     "MessageAttributes":{"color":{"DataType":"String","StringValue":"red"}}},
    {"Id":"b","MessageBody":"bye"}]})");
  EXPECT_EQ(json::value(input), expected) << json::serialize(input);
}

TEST(QueryDecode, AttributeMapsAndNameLists) {
  auto input =
      decode("CreateQueue",
             "QueueName=q&Attribute.1.Name=DelaySeconds&Attribute.1.Value=10"
             "&Attribute.2.Name=VisibilityTimeout&Attribute.2.Value=60&Tag.1.Key=env&Tag.1.Value=dev");
  EXPECT_EQ(json::value(input), json::parse(R"({"QueueName":"q","Attributes":{"DelaySeconds":"10",
    "VisibilityTimeout":"60"},"tags":{"env":"dev"}})"))
      << json::serialize(input);
  auto get = decode("GetQueueAttributes", "QueueUrl=u&AttributeName.1=All&AttributeName.2=Policy");
  EXPECT_EQ(json::value(get), json::parse(R"({"QueueUrl":"u","AttributeNames":["All","Policy"]})"));
}

TEST(QueryDecode, IntegerTypeErrorsAreInvalidParameterValue) {
  auto params = parse_form("QueueUrl=u&MaxNumberOfMessages=ten");
  auto result = decode_query_input(*sqs().operation("ReceiveMessage"), *params);
  ASSERT_TRUE(std::holds_alternative<ServiceError>(result));
  EXPECT_EQ(std::get<ServiceError>(result).code, "InvalidParameterValue");
}

TEST(QueryValidate, MissingRequiredIsMissingParameter) {
  auto input = decode("CreateQueue", "Action=CreateQueue");
  auto err = validate_input(sqs(), *sqs().operation("CreateQueue")->input, input);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->code, "MissingParameter");
  EXPECT_EQ(err->message, "The request must contain the parameter QueueName.");
}

TEST(QueryValidate, NestedPathsNameListPositionsAndMapKeys) {
  auto batch =
      decode("SendMessageBatch",
             "QueueUrl=u&SendMessageBatchRequestEntry.1.Id=a&SendMessageBatchRequestEntry.1.MessageBody=x"
             "&SendMessageBatchRequestEntry.2.Id=b");
  auto err = validate_input(sqs(), *sqs().operation("SendMessageBatch")->input, batch);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->message, "The request must contain the parameter Entries.2.MessageBody.");

  // SNS: a non-flattened list ("member") of entries whose attributes are a non-flattened map.
  const ServiceModel& sns = ServiceModel::embedded("sns");
  auto params = parse_form(
      "TopicArn=t&PublishBatchRequestEntries.member.1.Id=a&PublishBatchRequestEntries.member.1.Message=m"
      "&PublishBatchRequestEntries.member.2.Id=b&PublishBatchRequestEntries.member.2.Message=n"
      "&PublishBatchRequestEntries.member.2.MessageAttributes.entry.1.Name=color"
      "&PublishBatchRequestEntries.member.2.MessageAttributes.entry.1.Value.StringValue=red");
  ASSERT_TRUE(params);
  auto decoded = decode_query_input(*sns.operation("PublishBatch"), *params);
  ASSERT_TRUE(std::holds_alternative<json::object>(decoded));
  const auto& input = std::get<json::object>(decoded);
  EXPECT_EQ(json::value(input), json::parse(R"({"TopicArn":"t","PublishBatchRequestEntries":[
    {"Id":"a","Message":"m"},{"Id":"b","Message":"n","MessageAttributes":{"color":{"StringValue":"red"}}}]})"))
      << json::serialize(input);
  err = validate_input(sns, *sns.operation("PublishBatch")->input, input);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->code, "InvalidParameter");
  EXPECT_EQ(err->message, "Invalid parameter: PublishBatchRequestEntries.2.MessageAttributes.color.DataType");
}

TEST(QueryEncode, FlattenedOutputListsAndAttributeMaps) {
  auto output =
      json::parse(R"({"Messages":[{"MessageId":"m1","ReceiptHandle":"r1","MD5OfBody":"d","Body":"<&>",
    "Attributes":{"SentTimestamp":"1"}}]})")
          .as_object();
  auto xml = encode_query_response(sqs(), *sqs().operation("ReceiveMessage"), output, "req-1");
  EXPECT_EQ(
      xml,
      "<?xml version=\"1.0\"?><ReceiveMessageResponse xmlns=\"http://queue.amazonaws.com/doc/2012-11-05/\">"
      "<ReceiveMessageResult><Message><MessageId>m1</MessageId><ReceiptHandle>r1</ReceiptHandle>"
      "<MD5OfBody>d</MD5OfBody><Body>&lt;&amp;&gt;</Body><Attribute><Name>SentTimestamp</Name>"
      "<Value>1</Value></Attribute></Message></ReceiveMessageResult><ResponseMetadata>"
      "<RequestId>req-1</RequestId></ResponseMetadata></ReceiveMessageResponse>");
}

TEST(QueryEncode, ErrorEnvelope) {
  auto xml = encode_query_error(&sqs(), "AWS.SimpleQueueService.NonExistentQueue", "gone", true, "r");
  EXPECT_NE(xml.find("<Type>Sender</Type><Code>AWS.SimpleQueueService.NonExistentQueue</Code>"),
            std::string::npos);
  EXPECT_NE(xml.find("<RequestId>r</RequestId></ErrorResponse>"), std::string::npos);
}

TEST(Iso8601, FormatsMilliseconds) {
  EXPECT_EQ(iso8601_from_epoch(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(iso8601_from_epoch(1700000000.25), "2023-11-14T22:13:20.250Z");
}

TEST(Models, SqsHasAllTwentyThreeOperations) {
  for (const char* op : {"CreateQueue",
                         "GetQueueUrl",
                         "ListQueues",
                         "GetQueueAttributes",
                         "SetQueueAttributes",
                         "DeleteQueue",
                         "PurgeQueue",
                         "SendMessage",
                         "SendMessageBatch",
                         "ReceiveMessage",
                         "DeleteMessage",
                         "DeleteMessageBatch",
                         "ChangeMessageVisibility",
                         "ChangeMessageVisibilityBatch",
                         "TagQueue",
                         "UntagQueue",
                         "ListQueueTags",
                         "ListDeadLetterSourceQueues",
                         "AddPermission",
                         "RemovePermission",
                         "StartMessageMoveTask",
                         "ListMessageMoveTasks",
                         "CancelMessageMoveTask"}) {
    EXPECT_NE(sqs().operation(op), nullptr) << op;
  }
  EXPECT_TRUE(sqs().aws_query_compatible());
  EXPECT_EQ(sqs().json_version(), "1.0");
  EXPECT_EQ(sqs().error_info("QueueDoesNotExist")->query_code, "AWS.SimpleQueueService.NonExistentQueue");
}

}  // namespace fanout::protocol
