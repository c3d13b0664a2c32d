// The engine's parts on their own: ARNs, retry schedules, envelopes byte for byte, signing,
// topic policies, message attributes.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "common/iso8601.h"
#include "common/json_string.h"
#include "services/sns/arn.h"
#include "services/sns/delivery_policy.h"
#include "services/sns/message_attributes.h"
#include "services/sns/message_envelope.h"
#include "services/sns/signing_key.h"
#include "services/sns/sns_error.h"
#include "services/sns/topic_policy.h"
#include "sns_fixture.h"

namespace fanout::services::sns::testing {
namespace {

TEST(Arn, Topics) {
  auto t = parse_topic_arn("arn:aws:sns:eu-west-1:123456789012:orders.fifo");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->region, "eu-west-1");
  EXPECT_EQ(t->account, "123456789012");
  EXPECT_EQ(t->name, "orders.fifo");
  EXPECT_FALSE(parse_topic_arn("arn:aws:sns:us-east-1:12345:orders"));
  EXPECT_FALSE(parse_topic_arn("arn:aws:sqs:us-east-1:123456789012:orders"));
  EXPECT_FALSE(parse_topic_arn("arn:aws:sns:us-east-1:123456789012:bad name"));
  EXPECT_EQ(
      topic_of_subscription_arn("arn:aws:sns:us-east-1:123456789012:t:0b410f3c-ee5e-49d8-b59b-3b4aa6d8fcf5"),
      "arn:aws:sns:us-east-1:123456789012:t");
  EXPECT_FALSE(topic_of_subscription_arn("PendingConfirmation"));
  EXPECT_TRUE(parse_queue_arn("arn:aws:sqs:us-east-1:123456789012:q.fifo")->fifo());
  EXPECT_TRUE(is_firehose_stream_arn("arn:aws:firehose:us-east-1:123456789012:deliverystream/landing"));
  EXPECT_FALSE(is_firehose_stream_arn("arn:aws:firehose:us-east-1:123456789012:landing"));
  EXPECT_TRUE(is_iam_role_arn("arn:aws:iam::123456789012:role/service-role/x"));
  EXPECT_FALSE(is_iam_role_arn("arn:aws:iam::123456789012:user/x"));
}

TEST(RetryPolicy, DefaultIsThreeRetriesTwentySecondsApart) {
  RetryPolicy p;
  EXPECT_EQ(p.delay_ms(1), 20000);
  EXPECT_EQ(p.delay_ms(2), 20000);
  EXPECT_EQ(p.delay_ms(3), 20000);
}

TEST(RetryPolicy, Phases) {
  RetryPolicy p;
  p.min_delay_target = 1;
  p.max_delay_target = 60;
  p.num_retries = 50;
  p.num_no_delay_retries = 3;
  p.num_min_delay_retries = 2;
  p.num_max_delay_retries = 35;
  p.backoff_function = "exponential";
  EXPECT_EQ(p.delay_ms(1), 0);
  EXPECT_EQ(p.delay_ms(3), 0);
  EXPECT_EQ(p.delay_ms(4), 1000);
  EXPECT_EQ(p.delay_ms(5), 1000);
  // Ten backoff retries climb from 1 s to 60 s.
  std::int64_t previous = 1000;
  for (int r = 6; r <= 15; ++r) {
    EXPECT_GE(p.delay_ms(r), previous) << r;
    previous = p.delay_ms(r);
  }
  EXPECT_EQ(p.delay_ms(15), 60000);
  EXPECT_EQ(p.delay_ms(16), 60000);
  EXPECT_EQ(p.delay_ms(50), 60000);
  auto managed = RetryPolicy::aws_managed();
  EXPECT_EQ(managed.num_retries, 100015);
  EXPECT_EQ(managed.delay_ms(100015), 20000);
}

TEST(DeliveryPolicy, Validation) {
  EXPECT_NO_THROW(parse_subscription_delivery_policy(
      R"({"healthyRetryPolicy":{"minDelayTarget":1,"maxDelayTarget":60,"numRetries":50,"numNoDelayRetries":3,"numMinDelayRetries":2,"numMaxDelayRetries":35,"backoffFunction":"exponential"},"throttlePolicy":{"maxReceivesPerSecond":10},"requestPolicy":{"headerContentType":"application/json"}})"));
  EXPECT_THROW(parse_subscription_delivery_policy("nope"), SnsError);
  EXPECT_THROW(parse_subscription_delivery_policy(R"({"healthyRetryPolicy":{"backoffFunction":"random"}})"),
               SnsError);
  EXPECT_THROW(parse_subscription_delivery_policy(
                   R"({"healthyRetryPolicy":{"minDelayTarget":30,"maxDelayTarget":10}})"),
               SnsError);
  EXPECT_THROW(
      parse_subscription_delivery_policy(R"({"healthyRetryPolicy":{"numRetries":2,"numNoDelayRetries":3}})"),
      SnsError);
  EXPECT_THROW(parse_subscription_delivery_policy(R"({"throttlePolicy":{"maxReceivesPerSecond":0}})"),
               SnsError);
  EXPECT_THROW(
      parse_topic_delivery_policy(R"({"http":{"defaultHealthyRetryPolicy":{"maxDelayTarget":3601}}})"),
      SnsError);
  // Topic overrides win when subscription overrides are disabled.
  auto effective = effective_http_policy(
      R"({"healthyRetryPolicy":{"numRetries":9}})",
      R"({"http":{"defaultHealthyRetryPolicy":{"numRetries":1},"disableSubscriptionOverrides":true}})");
  EXPECT_EQ(effective.retry.num_retries, 1);
  effective = effective_http_policy(R"({"healthyRetryPolicy":{"numRetries":9}})",
                                    R"({"http":{"defaultHealthyRetryPolicy":{"numRetries":1}}})");
  EXPECT_EQ(effective.retry.num_retries, 9);
  EXPECT_EQ(
      effective_topic_delivery_policy(""),
      R"({"http":{"defaultHealthyRetryPolicy":{"minDelayTarget":20,"maxDelayTarget":20,"numRetries":3,"numMaxDelayRetries":0,"numNoDelayRetries":0,"numMinDelayRetries":0,"backoffFunction":"linear"},"disableSubscriptionOverrides":false,"defaultRequestPolicy":{"headerContentType":"text/plain; charset=UTF-8"}}})");
}

TEST(Envelope, NotificationLayoutIsAws) {
  NotificationFields f;
  f.message_id = "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324";
  f.topic_arn = "arn:aws:sns:us-west-2:123456789012:MyTopic";
  f.subject = "My First Message";
  f.message = "Hello world!";
  f.timestamp = "2012-05-02T00:54:06.655Z";
  SignatureFields s{"1", "EXAMPLEw6JRN", "https://sns.us-west-2.amazonaws.com/SimpleNotificationService.pem"};
  MessageAttributes attributes{{"Test", "String", "TestString"}, {"TestBinary", "Binary", "TestBinary"}};
  EXPECT_EQ(
      notification_json(f, &s, "https://sns.us-west-2.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=x",
                        attributes),
      "{\n"
      "  \"Type\" : \"Notification\",\n"
      "  \"MessageId\" : \"22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324\",\n"
      "  \"TopicArn\" : \"arn:aws:sns:us-west-2:123456789012:MyTopic\",\n"
      "  \"Subject\" : \"My First Message\",\n"
      "  \"Message\" : \"Hello world!\",\n"
      "  \"Timestamp\" : \"2012-05-02T00:54:06.655Z\",\n"
      "  \"SignatureVersion\" : \"1\",\n"
      "  \"Signature\" : \"EXAMPLEw6JRN\",\n"
      "  \"SigningCertURL\" : \"https://sns.us-west-2.amazonaws.com/SimpleNotificationService.pem\",\n"
      "  \"UnsubscribeURL\" : "
      "\"https://sns.us-west-2.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=x\",\n"
      "  \"MessageAttributes\" : {\n"
      "    \"Test\" : {\"Type\":\"String\",\"Value\":\"TestString\"},\n"
      "    \"TestBinary\" : {\"Type\":\"Binary\",\"Value\":\"VGVzdEJpbmFyeQ==\"}\n"
      "  }\n"
      "}");
  EXPECT_EQ(
      notification_string_to_sign(f),
      "Message\nHello world!\nMessageId\n22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324\nSubject\nMy First Message\n"
      "Timestamp\n2012-05-02T00:54:06.655Z\nTopicArn\narn:aws:sns:us-west-2:123456789012:"
      "MyTopic\nType\nNotification\n");
  f.subject.reset();
  EXPECT_EQ(
      notification_json_compact(f, "u", {}),
      R"({"Type":"Notification","MessageId":"22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324","TopicArn":"arn:aws:sns:us-west-2:123456789012:MyTopic","Message":"Hello world!","Timestamp":"2012-05-02T00:54:06.655Z","UnsubscribeURL":"u"})");
}

TEST(Envelope, Escaping) {
  EXPECT_EQ(json_quote("a\"b\\c\n\t\x01/é"), "\"a\\\"b\\\\c\\n\\t\\u0001/é\"");
  EXPECT_EQ(iso8601_ms(1700000000123), "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(iso8601_ms(0), "1970-01-01T00:00:00.000Z");
}

TEST(SigningKey, SignsAndReloads) {
  auto key = SigningKey::generate(1024);
  auto again = SigningKey::from_pem(key->key_pem(), key->cert_pem());
  const std::string data = "Message\nx\n";
  EXPECT_TRUE(verify_signature(key->cert_pem(), data, again->sign(data, "1"), EVP_sha1()));
  EXPECT_TRUE(verify_signature(key->cert_pem(), data, again->sign(data, "2"), EVP_sha256()));
  EXPECT_FALSE(verify_signature(key->cert_pem(), data + "!", again->sign(data, "1"), EVP_sha1()));
  auto other = SigningKey::generate(1024);
  EXPECT_THROW(SigningKey::from_pem(key->key_pem(), other->cert_pem()), std::runtime_error);
}

TEST(TopicPolicy, Evaluation) {
  const std::string arn = "arn:aws:sns:us-east-1:111111111111:t";
  auto policy = default_topic_policy(arn, "111111111111");
  PolicyCaller owner{"111111111111", {}, {}, {}};
  PolicyCaller stranger{"222222222222", {}, {}, {}};
  EXPECT_TRUE(topic_policy_allows(policy, "Publish", owner, arn));
  EXPECT_FALSE(topic_policy_allows(policy, "Publish", stranger, arn));
  auto opened = add_permission(policy, arn, "p", {"222222222222"}, {"Publish"});
  EXPECT_TRUE(topic_policy_allows(opened, "Publish", stranger, arn));
  EXPECT_FALSE(topic_policy_allows(opened, "Subscribe", stranger, arn));
  EXPECT_THROW(add_permission(opened, arn, "p", {"222222222222"}, {"Publish"}), SnsError);
  EXPECT_THROW(add_permission(opened, arn, "q", {"2222"}, {"Publish"}), SnsError);
  EXPECT_THROW(add_permission(opened, arn, "q", {"222222222222"}, {"Fly"}), SnsError);
  EXPECT_FALSE(topic_policy_allows(remove_permission(opened, "p"), "Publish", stranger, arn));

  const std::string deny =
      R"({"Statement":[{"Effect":"Allow","Principal":"*","Action":"sns:*","Resource":"*"},
    {"Effect":"Deny","Principal":{"AWS":"222222222222"},"Action":"SNS:Publish"}]})";
  EXPECT_FALSE(topic_policy_allows(deny, "Publish", stranger, arn));
  EXPECT_TRUE(topic_policy_allows(deny, "Subscribe", stranger, arn));
  PolicyCaller events{"", "events.amazonaws.com", "arn:aws:events:us-east-1:111111111111:rule/r",
                      "111111111111"};
  const std::string service =
      R"({"Statement":[{"Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":"sns:Publish",
    "Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:events:us-east-1:111111111111:rule/*"}}}]})";
  EXPECT_TRUE(topic_policy_allows(service, "Publish", events, arn));
  events.source_arn = "arn:aws:events:us-east-1:999999999999:rule/r";
  EXPECT_FALSE(topic_policy_allows(service, "Publish", events, arn));
  EXPECT_THROW(validate_topic_policy("{}"), SnsError);
  EXPECT_NO_THROW(validate_topic_policy(policy));
}

TEST(MessageAttributes, ParseAndSize) {
  auto map =
      boost::json::parse(
          R"({"b":{"DataType":"Binary","BinaryValue":"AAE="},"a":{"DataType":"String","StringValue":"x"}})")
          .as_object();
  auto attributes = parse_message_attributes(&map);
  ASSERT_EQ(attributes.size(), 2u);
  EXPECT_EQ(attributes[0].name, "a");
  EXPECT_EQ(attributes[1].value, std::string("\0\1", 2));
  EXPECT_EQ(attributes_size(attributes), 1u + 6 + 1 + 1 + 6 + 2);
  auto bad_name = boost::json::parse(R"({"a..b":{"DataType":"String","StringValue":"x"}})").as_object();
  EXPECT_THROW(parse_message_attributes(&bad_name), SnsError);
  boost::json::value record = attributes_to_record(attributes);
  auto roundtrip = attributes_from_record(&record);
  EXPECT_EQ(roundtrip, attributes);
}

}  // namespace
}  // namespace fanout::services::sns::testing
