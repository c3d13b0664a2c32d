// Retries and errors against a scripted loopback server: throttling then success, persistent
// 500s, dropped connections, timeouts, non-retryable errors, the retry quota, connection reuse.
#include <gtest/gtest.h>

#include <chrono>

#include "client/aws_error.h"
#include "client/retry_policy.h"
#include "client/service_caller.h"
#include "client/sns_client.h"
#include "client/sqs_client.h"
#include "client_test_support.h"
#include "scripted_http_server.h"

namespace fanout::client::testing {
namespace {

using std::chrono::milliseconds;

ScriptedResponse sns_error(int status, const std::string& code, const std::string& request_id = "req-err") {
  return {
      status,
      {{"Content-Type", "text/xml"}, {"x-amzn-RequestId", request_id}},
      "<ErrorResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\"><Error><Type>Sender</Type><Code>" +
          code + "</Code><Message>scripted " + code + "</Message></Error><RequestId>" + request_id +
          "</RequestId></ErrorResponse>"};
}

ScriptedResponse sns_published(const std::string& message_id) {
  return {200,
          {{"Content-Type", "text/xml"}},
          "<PublishResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\"><PublishResult><MessageId>" +
              message_id +
              "</MessageId></PublishResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata>"
              "</PublishResponse>"};
}

SnsPublishRequest publish_request() {
  return {"arn:aws:sns:us-east-1:000000000000:t", "hello", "", {}, "", ""};
}

TEST(ClientRetry, ThrottlingThenSuccessIsRetriedWithFreshSignatures) {
  ScriptedHttpServer server;
  server.push(sns_error(400, "Throttling"));
  server.push(sns_error(400, "Throttling"));
  server.push(sns_published("m-1"));
  SnsClient sns(config_for(server.url()));
  EXPECT_EQ(sns.publish(publish_request()).message_id, "m-1");
  EXPECT_EQ(sns.caller().last_attempts(), 3);
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 3u);
  for (const auto& request : requests) {
    EXPECT_EQ(request.method, "POST");
    EXPECT_NE(request.header("authorization").find("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/"),
              std::string::npos);
    EXPECT_NE(request.body.find("Action=Publish"), std::string::npos);
  }
  EXPECT_EQ(server.connections(), 1) << "the client must reuse its keep-alive connection";
}

TEST(ClientRetry, PersistentServerErrorsGiveUpAfterMaxAttemptsWithTypedError) {
  ScriptedHttpServer server;
  server.set_fallback(sns_error(500, "InternalError", "req-500"));
  SnsClient sns(config_for(server.url()));
  try {
    sns.publish(publish_request());
    FAIL() << "expected AwsError";
  } catch (const AwsError& e) {
    EXPECT_EQ(e.code(), "InternalError");
    EXPECT_EQ(e.http_status(), 500);
    EXPECT_EQ(e.request_id(), "req-500");
    EXPECT_EQ(e.aws_message(), "scripted InternalError");
  }
  EXPECT_EQ(server.requests().size(), 3u);
}

TEST(ClientRetry, MaxAttemptsIsConfigurable) {
  ScriptedHttpServer server;
  server.set_fallback(sns_error(503, "ServiceUnavailable"));
  ClientConfig config = config_for(server.url());
  config.retry.max_attempts = 5;
  SnsClient sns(config);
  EXPECT_THROW(sns.publish(publish_request()), AwsError);
  EXPECT_EQ(server.requests().size(), 5u);
}

TEST(ClientRetry, ClientErrorsAreNotRetried) {
  ScriptedHttpServer server;
  server.set_fallback(sns_error(400, "InvalidParameter", "req-400"));
  SnsClient sns(config_for(server.url()));
  try {
    sns.publish(publish_request());
    FAIL() << "expected AwsError";
  } catch (const AwsError& e) {
    EXPECT_EQ(e.code(), "InvalidParameter");
    EXPECT_EQ(e.http_status(), 400);
    EXPECT_FALSE(e.is_throttling());
  }
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST(ClientRetry, DroppedConnectionIsRetriedAsANetworkError) {
  ScriptedHttpServer server;
  ScriptedResponse drop;
  drop.drop_connection = true;
  server.push(drop);
  server.push(sns_published("m-2"));
  SnsClient sns(config_for(server.url()));
  EXPECT_EQ(sns.publish(publish_request()).message_id, "m-2");
  EXPECT_EQ(server.requests().size(), 2u);
  EXPECT_EQ(server.connections(), 2);
}

TEST(ClientRetry, TimeoutIsRetriedAndCostsTheTimeoutQuota) {
  ScriptedHttpServer server;
  ScriptedResponse stall = sns_published("late");
  stall.stall = milliseconds(1500);
  server.push(stall);
  server.push(sns_published("m-3"));
  ClientConfig config = config_for(server.url());
  config.transport.request_timeout = milliseconds(300);
  SnsClient sns(config);
  EXPECT_EQ(sns.publish(publish_request()).message_id, "m-3");
  // 500 - 10 for the timeout retry, + 10 back after the successful retry.
  EXPECT_EQ(sns.caller().retry_policy().quota(), 500);
}

TEST(ClientRetry, ConnectionRefusedGivesTransportErrorAfterRetries) {
  int port;
  {
    ScriptedHttpServer server;  // take a port, then free it
    port = server.port();
  }
  SnsClient sns(config_for("http://127.0.0.1:" + std::to_string(port)));
  EXPECT_THROW(sns.publish(publish_request()), TransportError);
  EXPECT_EQ(sns.caller().last_attempts(), 3);
}

TEST(ClientRetry, JsonProtocolQueryErrorHeaderNamesTheCode) {
  ScriptedHttpServer server;
  server.push(
      {400,
       {{"Content-Type", "application/x-amz-json-1.0"},
        {"x-amzn-query-error", "AWS.SimpleQueueService.NonExistentQueue;Sender"},
        {"x-amzn-RequestId", "req-q"}},
       R"({"__type":"com.amazonaws.sqs#QueueDoesNotExist","message":"The specified queue does not exist."})"});
  SqsClient sqs(config_for(server.url()));
  try {
    sqs.get_queue_attributes("http://x/000000000000/missing");
    FAIL() << "expected AwsError";
  } catch (const AwsError& e) {
    EXPECT_EQ(e.code(), "AWS.SimpleQueueService.NonExistentQueue");
    EXPECT_EQ(e.aws_message(), "The specified queue does not exist.");
    EXPECT_EQ(e.request_id(), "req-q");
  }
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].header("x-amz-target"), "AmazonSQS.GetQueueAttributes");
  EXPECT_EQ(requests[0].header("content-type"), "application/x-amz-json-1.0");
}

TEST(ClientRetry, JsonThrottlingIsRetried) {
  ScriptedHttpServer server;
  server.push({400,
               {{"x-amzn-query-error", "RequestThrottled;Sender"}},
               R"({"__type":"com.amazonaws.sqs#RequestThrottled"})"});
  server.push({200, {}, R"({"Attributes":{"VisibilityTimeout":"30"}})"});
  SqsClient sqs(config_for(server.url()));
  EXPECT_EQ(sqs.get_queue_attributes("q").at("VisibilityTimeout"), "30");
  EXPECT_EQ(server.requests().size(), 2u);
}

TEST(ClientRetry, ReceivedBodyWithWrongMd5IsRejected) {
  ScriptedHttpServer server;
  server.push(
      {200,
       {},
       R"({"Messages":[{"MessageId":"m","ReceiptHandle":"h","Body":"hello","MD5OfBody":"00000000000000000000000000000000"}]})"});
  server.push(
      {200,
       {},
       R"({"Messages":[{"MessageId":"m","ReceiptHandle":"h","Body":"hello","MD5OfBody":"5d41402abc4b2a76b9719d911017c592"}]})"});
  SqsClient sqs(config_for(server.url()));
  try {
    sqs.receive_message({"q", 10, 0, std::nullopt});
    FAIL() << "expected a checksum error";
  } catch (const AwsError& e) {
    EXPECT_EQ(e.code(), "ChecksumMismatch");
  }
  EXPECT_EQ(sqs.receive_message({"q", 10, 0, std::nullopt}).at(0).body, "hello");
}

TEST(ClientRetry, SentMessageMd5IsVerified) {
  ScriptedHttpServer server;
  server.push({200, {}, R"({"MessageId":"m","MD5OfMessageBody":"ffffffffffffffffffffffffffffffff"})"});
  SqsClient sqs(config_for(server.url()));
  EXPECT_THROW(sqs.send_message({"q", "hello", std::nullopt, {}, "", ""}), AwsError);
}

// ---- the policy itself --------------------------------------------------------------------

TEST(RetryPolicy, FullJitterStaysUnderTheExponentialCeiling) {
  RetryPolicy policy(RetryOptions{});
  for (int round = 0; round < 200; ++round) {
    milliseconds delay{0};
    ASSERT_TRUE(policy.should_retry(1, FailureKind::transient, delay));
    EXPECT_LE(delay.count(), 100);
    ASSERT_TRUE(policy.should_retry(2, FailureKind::throttling, delay));
    EXPECT_LE(delay.count(), 1000);  // 500 ms base for throttling, doubled for the second retry
    EXPECT_FALSE(policy.should_retry(3, FailureKind::transient, delay));
    policy.on_success(true);
    policy.on_success(true);
  }
}

TEST(RetryPolicy, JitterIsSpreadNotConstant) {
  RetryPolicy policy(RetryOptions{});
  std::int64_t low = 1'000'000, high = -1;
  for (int i = 0; i < 100; ++i) {
    milliseconds delay{0};
    ASSERT_TRUE(policy.should_retry(1, FailureKind::throttling, delay));
    low = std::min<std::int64_t>(low, delay.count());
    high = std::max<std::int64_t>(high, delay.count());
    policy.on_success(true);
  }
  EXPECT_LT(low, 100);
  EXPECT_GT(high, 400);
}

TEST(RetryPolicy, BackoffIsCappedAtMaxBackoff) {
  RetryOptions options;
  options.max_attempts = 40;
  options.use_quota = false;
  RetryPolicy policy(options);
  for (int attempt = 1; attempt < 40; ++attempt) {
    milliseconds delay{0};
    ASSERT_TRUE(policy.should_retry(attempt, FailureKind::throttling, delay));
    EXPECT_LE(delay.count(), 20000);
  }
}

TEST(RetryPolicy, QuotaRunsOutDuringAnOutage) {
  RetryPolicy policy(RetryOptions{});
  milliseconds delay{0};
  int retries = 0;
  while (policy.should_retry(1, FailureKind::transient, delay)) ++retries;
  EXPECT_EQ(retries, 100);  // 500 tokens at 5 each
  EXPECT_FALSE(policy.should_retry(1, FailureKind::throttling, delay));
  policy.on_success(false);  // each first-try success gives one token back
  for (int i = 0; i < 4; ++i) policy.on_success(false);
  EXPECT_TRUE(policy.should_retry(1, FailureKind::transient, delay));
}

TEST(RetryPolicy, NonRetryableIsNeverRetried) {
  RetryPolicy policy(RetryOptions{});
  milliseconds delay{0};
  EXPECT_FALSE(policy.should_retry(1, FailureKind::not_retryable, delay));
  EXPECT_EQ(policy.quota(), 500);
}

TEST(AwsErrorClassification, ThrottlingCodesAndStatuses) {
  for (const char* code :
       {"Throttling", "ThrottlingException", "RequestThrottled", "SlowDown", "TooManyRequestsException",
        "ProvisionedThroughputExceededException", "RequestLimitExceeded"}) {
    EXPECT_TRUE(AwsError(code, "", 400, "").is_throttling()) << code;
  }
  EXPECT_TRUE(AwsError("Whatever", "", 429, "").is_throttling());
  EXPECT_FALSE(AwsError("InvalidParameter", "", 400, "").is_throttling());
  for (int status : {500, 502, 503, 504}) EXPECT_TRUE(AwsError("X", "", status, "").is_transient()) << status;
  EXPECT_FALSE(AwsError("X", "", 501, "").is_transient());
  EXPECT_TRUE(AwsError("RequestTimeout", "", 400, "").is_transient());
}

}  // namespace
}  // namespace fanout::client::testing
