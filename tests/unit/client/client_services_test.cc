// The typed service clients against a scripted loopback server: what goes on the wire (targets,
// protocol fields, base64, S3 paths and query) and how results, partial failures, pagination and
// service errors come back.
#include <gtest/gtest.h>

#include "client/aws_error.h"
#include "client/cloudformation_client.h"
#include "client/firehose_client.h"
#include "client/s3_client.h"
#include "client/sns_client.h"
#include "client/sqs_checksums.h"
#include "client/sqs_client.h"
#include "client_test_support.h"
#include "scripted_http_server.h"

namespace fanout::client::testing {
namespace {

TEST(SnsClient, PublishBatchReportsSuccessesAndFailures) {
  ScriptedHttpServer server;
  server.push(
      {200,
       {},
       "<PublishBatchResponse><PublishBatchResult><Successful><member><Id>0</Id><MessageId>m0</MessageId>"
       "</member></Successful><Failed><member><Id>1</Id><Code>InternalError</Code><Message>boom</Message>"
       "<SenderFault>false</SenderFault></member></Failed></PublishBatchResult></PublishBatchResponse>"});
  SnsClient sns(config_for(server.url()));
  const auto result =
      sns.publish_batch("arn:aws:sns:us-east-1:000000000000:t",
                        {{"0", "a", "", {{"k", {"String", "v", ""}}}, "", ""}, {"1", "b", "", {}, "g", "d"}});
  ASSERT_EQ(result.successful.size(), 1u);
  EXPECT_EQ(result.successful[0].message_id, "m0");
  ASSERT_EQ(result.failed.size(), 1u);
  EXPECT_EQ(result.failed[0].code, "InternalError");
  EXPECT_FALSE(result.failed[0].sender_fault);
  const std::string body = server.requests().at(0).body;
  for (const char* expected :
       {"Action=PublishBatch", "Version=2010-03-31", "PublishBatchRequestEntries.member.1.Id=0",
        "PublishBatchRequestEntries.member.1.MessageAttributes.entry.1.Name=k",
        "PublishBatchRequestEntries.member.1.MessageAttributes.entry.1.Value.DataType=String",
        "PublishBatchRequestEntries.member.2.MessageGroupId=g",
        "PublishBatchRequestEntries.member.2.MessageDeduplicationId=d"}) {
    EXPECT_NE(body.find(expected), std::string::npos) << expected << " in " << body;
  }
}

TEST(SqsClient, ReceiveVerifiesAttributeChecksumAndDecodesAttributes) {
  const MessageAttributes attributes{{"event_type", {"String", "consumer.created", ""}},
                                     {"event_version", {"String", "1.0", ""}}};
  // Computed independently (Python, the SQS algorithm).
  ASSERT_EQ(md5_of_attributes(attributes), "48a13df23a9cb61e0f2e2cdd021f1af6");
  ScriptedHttpServer server;
  const std::string message =
      R"({"MessageId":"m","ReceiptHandle":"h","Body":"{\"a\":1}","MD5OfBody":"bb6cb5c68df4652941caf652a366f2d8",)"
      R"("Attributes":{"ApproximateReceiveCount":"3"},"MD5OfMessageAttributes":"MD5",)"
      R"("MessageAttributes":{"event_type":{"DataType":"String","StringValue":"consumer.created"},)"
      R"("event_version":{"DataType":"String","StringValue":"1.0"}}})";
  auto with_md5 = [&](const std::string& md5) {
    std::string text = message;
    text.replace(text.find("\"MD5\""), 5, "\"" + md5 + "\"");
    return "{\"Messages\":[" + text + "]}";
  };
  server.push({200, {}, with_md5("48a13df23a9cb61e0f2e2cdd021f1af6")});
  server.push({200, {}, with_md5("00000000000000000000000000000000")});
  SqsClient sqs(config_for(server.url()));
  const auto messages = sqs.receive_message({"http://q", 10, 20, 30});
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].attributes.at("ApproximateReceiveCount"), "3");
  EXPECT_EQ(messages[0].message_attributes.at("event_type").string_value, "consumer.created");
  EXPECT_THROW(sqs.receive_message({"http://q", 10, 20, std::nullopt}), AwsError);
  const auto request = server.requests().at(0);
  EXPECT_EQ(request.header("x-amz-target"), "AmazonSQS.ReceiveMessage");
  for (const char* expected :
       {"\"MaxNumberOfMessages\":10", "\"WaitTimeSeconds\":20", "\"VisibilityTimeout\":30",
        "\"MessageAttributeNames\":[\"All\"]", "\"MessageSystemAttributeNames\":[\"All\"]"}) {
    EXPECT_NE(request.body.find(expected), std::string::npos) << expected;
  }
}

TEST(SqsClient, ReceiveAsksOnlyForTheNamedAttributes) {
  ScriptedHttpServer server;
  server.push({200, {}, R"({})"});
  SqsClient sqs(config_for(server.url()));
  client::SqsReceiveRequest receive{"http://q", 10, 20, std::nullopt};
  receive.message_attribute_names = {};
  receive.system_attribute_names = {"ApproximateReceiveCount"};
  EXPECT_TRUE(sqs.receive_message(receive).empty());
  const std::string body = server.requests().at(0).body;  // requests() returns a copy
  EXPECT_EQ(body.find("MessageAttributeNames"), std::string::npos) << body;
  EXPECT_NE(body.find(R"("MessageSystemAttributeNames":["ApproximateReceiveCount"])"), std::string::npos)
      << body;
}

TEST(SqsClient, DeleteAndVisibilityBatchesReportFailures) {
  ScriptedHttpServer server;
  server.push(
      {200,
       {},
       R"({"Successful":[{"Id":"0"}],"Failed":[{"Id":"1","Code":"ReceiptHandleIsInvalid","Message":"bad","SenderFault":true}]})"});
  server.push({200, {}, R"({"Successful":[{"Id":"0"},{"Id":"1"}]})"});
  SqsClient sqs(config_for(server.url()));
  auto deleted = sqs.delete_message_batch("q", {{"0", "h0", 0}, {"1", "h1", 0}});
  EXPECT_EQ(deleted.successful, std::vector<std::string>{"0"});
  ASSERT_EQ(deleted.failed.size(), 1u);
  EXPECT_TRUE(deleted.failed[0].sender_fault);
  auto changed = sqs.change_message_visibility_batch("q", {{"0", "h0", 60}, {"1", "h1", 60}});
  EXPECT_EQ(changed.successful.size(), 2u);
  EXPECT_NE(server.requests().at(1).body.find("\"VisibilityTimeout\":60"), std::string::npos);
  EXPECT_EQ(server.requests().at(1).header("x-amz-target"), "AmazonSQS.ChangeMessageVisibilityBatch");
}

TEST(FirehoseClient, PutRecordBatchSendsBase64AndReadsPerRecordResults) {
  ScriptedHttpServer server;
  server.push({200,
               {},
               R"({"FailedPutCount":1,"Encrypted":false,"RequestResponses":[{"RecordId":"r1"},)"
               R"({"ErrorCode":"ServiceUnavailableException","ErrorMessage":"slow down"}]})"});
  FirehoseClient firehose(config_for(server.url()));
  const auto result = firehose.put_record_batch("landing", {"hello\n", "world\n"});
  EXPECT_EQ(result.failed_put_count, 1);
  ASSERT_EQ(result.responses.size(), 2u);
  EXPECT_EQ(result.responses[0].record_id, "r1");
  EXPECT_EQ(result.responses[1].error_code, "ServiceUnavailableException");
  const auto request = server.requests().at(0);
  EXPECT_EQ(request.header("x-amz-target"), "Firehose_20150804.PutRecordBatch");
  EXPECT_EQ(request.header("content-type"), "application/x-amz-json-1.1");
  EXPECT_NE(request.body.find("\"Data\":\"aGVsbG8K\""), std::string::npos) << request.body;
}

TEST(S3Client, ListAllFollowsContinuationTokens) {
  ScriptedHttpServer server;
  server.push({200,
               {},
               "<ListBucketResult><IsTruncated>true</IsTruncated><NextContinuationToken>tok/1+</"
               "NextContinuationToken>"
               "<Contents><Key>landing_date=2026-11-28/a</Key><Size>5</Size><ETag>\"e1\"</ETag></Contents>"
               "</ListBucketResult>"});
  server.push({200,
               {},
               "<ListBucketResult><IsTruncated>false</IsTruncated>"
               "<Contents><Key>landing_date=2026-11-28/b</Key><Size>7</Size></Contents></ListBucketResult>"});
  S3Client s3(config_for(server.url()));
  const auto all = s3.list_all("bucket", "landing_date=2026-11-28/");
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[1].key, "landing_date=2026-11-28/b");
  EXPECT_EQ(all[0].size, 5u);
  const auto requests = server.requests();
  EXPECT_EQ(requests[0].target, "/bucket?list-type=2&prefix=landing_date%3D2026-11-28%2F");
  EXPECT_EQ(requests[1].target,
            "/bucket?list-type=2&prefix=landing_date%3D2026-11-28%2F&continuation-token=tok%2F1%2B");
}

TEST(S3Client, AwsEndpointsUseVirtualHostsExceptForDottedBuckets) {
  ScriptedHttpServer server;
  server.set_fallback({200, {{"ETag", "\"e\""}}, ""});
  ClientConfig config = config_for(server.url());
  // An AWS-style endpoint (no override) on loopback: curl resolves *.localhost to 127.0.0.1.
  Endpoint aws_like = parse_endpoint_url("http://localhost:" + std::to_string(server.port()));
  aws_like.custom = false;
  config.endpoints["s3"] = aws_like;
  S3Client s3(config);
  s3.put_object("bucket", "a/b.json", "x");
  s3.put_object("my.bucket", "a/b.json", "x");
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].header("host"), "bucket.localhost:" + std::to_string(server.port()));
  EXPECT_EQ(requests[0].target, "/a/b.json");
  EXPECT_EQ(requests[1].header("host"), "localhost:" + std::to_string(server.port()));
  EXPECT_EQ(requests[1].target, "/my.bucket/a/b.json");
}

TEST(S3Client, GetObjectErrorsAreTyped) {
  ScriptedHttpServer server;
  server.push({404,
               {{"x-amz-request-id", "req-s3"}},
               "<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>"});
  server.push({200, {{"ETag", "\"e\""}, {"Content-Type", "application/json"}}, "{}"});
  S3Client s3(config_for(server.url()));
  try {
    s3.get_object("bucket", "missing");
    FAIL();
  } catch (const AwsError& e) {
    EXPECT_EQ(e.code(), "NoSuchKey");
    EXPECT_EQ(e.http_status(), 404);
    EXPECT_EQ(e.request_id(), "req-s3");
  }
  const S3Object object = s3.get_object("bucket", "present");
  EXPECT_EQ(object.body, "{}");
  EXPECT_EQ(object.content_type, "application/json");
}

TEST(CloudFormationClient, DescribeStacksReadsOutputsAcrossPages) {
  ScriptedHttpServer server;
  server.push(
      {200,
       {},
       "<DescribeStacksResponse><DescribeStacksResult><Stacks><member><StackName>fanout</StackName>"
       "<StackId>id-1</StackId><StackStatus>CREATE_COMPLETE</StackStatus><Outputs>"
       "<member><OutputKey>TopicArn</OutputKey><OutputValue>arn:aws:sns:us-east-1:0:t</OutputValue></member>"
       "<member><OutputKey>OrdersQueueUrl</OutputKey><OutputValue>http://q/orders</OutputValue></member>"
       "</Outputs></member></Stacks><NextToken>n1</NextToken></DescribeStacksResult></"
       "DescribeStacksResponse>"});
  server.push({200,
               {},
               "<DescribeStacksResponse><DescribeStacksResult><Stacks><member><StackName>other</StackName>"
               "<StackStatus>ROLLBACK_COMPLETE</StackStatus></member></Stacks></DescribeStacksResult>"
               "</DescribeStacksResponse>"});
  CloudFormationClient cloudformation(config_for(server.url()));
  const auto stacks = cloudformation.describe_stacks();
  ASSERT_EQ(stacks.size(), 2u);
  EXPECT_EQ(stacks[0].outputs.at("TopicArn"), "arn:aws:sns:us-east-1:0:t");
  EXPECT_EQ(stacks[0].outputs.at("OrdersQueueUrl"), "http://q/orders");
  EXPECT_EQ(stacks[1].stack_status, "ROLLBACK_COMPLETE");
  EXPECT_NE(server.requests().at(1).body.find("NextToken=n1"), std::string::npos);
  EXPECT_NE(server.requests().at(0).body.find("Action=DescribeStacks&Version=2010-05-15"), std::string::npos);
}

}  // namespace
}  // namespace fanout::client::testing
