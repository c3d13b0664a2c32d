// Subscriptions: subscribe (validation, idempotence, confirmation rules), list with paging,
// attributes, unsubscribe, cross-account SQS confirmation.
#include "sns_fixture.h"

namespace fanout::services::sns::testing {
namespace {

using SubscriptionsTest = SnsTest;

TEST_F(SubscriptionsTest, SqsSubscriptionLifecycle) {
  auto topic = create_topic("t");
  auto queue = create_queue("q");
  auto arn = subscribe(topic, "sqs", queue.arn);
  EXPECT_TRUE(arn.starts_with(topic + ":"));
  EXPECT_EQ(arn.size(), topic.size() + 1 + 36);
  // Subscribing again answers the same subscription.
  EXPECT_EQ(subscribe(topic, "sqs", queue.arn), arn);

  auto listed = ok("ListSubscriptionsByTopic", {{"TopicArn", topic}})["Subscriptions"].as_array();
  ASSERT_EQ(listed.size(), 1u);
  const auto& s = listed[0].as_object();
  EXPECT_EQ(s.at("SubscriptionArn").as_string(), arn);
  EXPECT_EQ(s.at("Owner").as_string(), kAccount);
  EXPECT_EQ(s.at("Protocol").as_string(), "sqs");
  EXPECT_EQ(s.at("Endpoint").as_string(), queue.arn);
  EXPECT_EQ(s.at("TopicArn").as_string(), topic);
  EXPECT_EQ(ok("ListSubscriptions", {})["Subscriptions"].as_array().size(), 1u);

  auto attributes = ok("GetSubscriptionAttributes", {{"SubscriptionArn", arn}})["Attributes"].as_object();
  EXPECT_EQ(attributes["PendingConfirmation"].as_string(), "false");
  EXPECT_EQ(attributes["ConfirmationWasAuthenticated"].as_string(), "true");
  EXPECT_EQ(attributes["RawMessageDelivery"].as_string(), "false");
  EXPECT_EQ(attributes["Protocol"].as_string(), "sqs");
  EXPECT_EQ(attributes["Endpoint"].as_string(), queue.arn);
  EXPECT_EQ(attributes["TopicArn"].as_string(), topic);
  EXPECT_EQ(attributes["Owner"].as_string(), kAccount);
  EXPECT_FALSE(attributes.contains("FilterPolicy"));

  auto topic_attributes = ok("GetTopicAttributes", {{"TopicArn", topic}})["Attributes"].as_object();
  EXPECT_EQ(topic_attributes["SubscriptionsConfirmed"].as_string(), "1");

  ok("SetSubscriptionAttributes",
     {{"SubscriptionArn", arn}, {"AttributeName", "RawMessageDelivery"}, {"AttributeValue", "true"}});
  ok("SetSubscriptionAttributes", {{"SubscriptionArn", arn},
                                   {"AttributeName", "FilterPolicy"},
                                   {"AttributeValue", R"({"kind":["order"]})"}});
  attributes = ok("GetSubscriptionAttributes", {{"SubscriptionArn", arn}})["Attributes"].as_object();
  EXPECT_EQ(attributes["RawMessageDelivery"].as_string(), "true");
  EXPECT_EQ(attributes["FilterPolicy"].as_string(), R"({"kind":["order"]})");
  EXPECT_EQ(attributes["FilterPolicyScope"].as_string(), "MessageAttributes");
  ok("SetSubscriptionAttributes",
     {{"SubscriptionArn", arn}, {"AttributeName", "FilterPolicy"}, {"AttributeValue", ""}});
  attributes = ok("GetSubscriptionAttributes", {{"SubscriptionArn", arn}})["Attributes"].as_object();
  EXPECT_FALSE(attributes.contains("FilterPolicy"));

  ok("Unsubscribe", {{"SubscriptionArn", arn}});
  EXPECT_TRUE(ok("ListSubscriptionsByTopic", {{"TopicArn", topic}})["Subscriptions"].as_array().empty());
  EXPECT_EQ(error("Unsubscribe", {{"SubscriptionArn", arn}}).code, "NotFoundException");
  EXPECT_EQ(error("GetSubscriptionAttributes", {{"SubscriptionArn", arn}}).code, "NotFoundException");
  topic_attributes = ok("GetTopicAttributes", {{"TopicArn", topic}})["Attributes"].as_object();
  EXPECT_EQ(topic_attributes["SubscriptionsDeleted"].as_string(), "1");
  EXPECT_EQ(topic_attributes["SubscriptionsConfirmed"].as_string(), "0");
}

TEST_F(SubscriptionsTest, SubscribeValidation) {
  auto topic = create_topic("t");
  auto fifo_topic = create_topic("f.fifo", {{"FifoTopic", "true"}});
  auto queue = create_queue("q");
  auto fifo_queue = create_queue("q.fifo", {{"FifoQueue", "true"}});
  auto sub = [&](const std::string& t, const std::string& protocol, const std::string& endpoint,
                 json::object attributes = {}) {
    json::object input{{"TopicArn", t}, {"Protocol", protocol}, {"Endpoint", endpoint}};
    if (!attributes.empty()) input["Attributes"] = std::move(attributes);
    return error("Subscribe", std::move(input));
  };
  EXPECT_EQ(sub(topic, "carrier-pigeon", "x").message,
            "Invalid parameter: Amazon SNS does not support this protocol string: carrier-pigeon");
  EXPECT_EQ(sub(topic, "email", "a@example.com").code, "InvalidParameterException");
  EXPECT_EQ(sub(topic, "sqs", "not-an-arn").message, "Invalid parameter: SQS endpoint ARN");
  EXPECT_EQ(sub(topic, "http", "https://example.com").code, "InvalidParameterException");
  EXPECT_EQ(sub(topic, "sqs", fifo_queue.arn).code, "InvalidParameterException");
  EXPECT_EQ(sub(fifo_topic, "sqs", queue.arn).code, "InvalidParameterException");
  EXPECT_EQ(sub(fifo_topic, "http", "http://example.com/").code, "InvalidParameterException");
  EXPECT_EQ(sub(topic, "sqs", queue.arn, {{"RawMessageDelivery", "maybe"}}).code,
            "InvalidParameterException");
  EXPECT_EQ(sub(topic, "sqs", queue.arn, {{"FilterPolicy", "{bad"}}).code, "InvalidParameterException");
  EXPECT_EQ(sub(topic, "sqs", queue.arn, {{"Bogus", "1"}}).code, "InvalidParameterException");
  EXPECT_EQ(
      sub(topic, "sqs", queue.arn, {{"DeliveryPolicy", R"({"healthyRetryPolicy":{"numRetries":1}})"}}).code,
      "InvalidParameterException");
  EXPECT_EQ(sub(topic, "sqs", queue.arn, {{"RedrivePolicy", R"({"deadLetterTargetArn":"nope"})"}}).code,
            "InvalidParameterException");
  EXPECT_EQ(sub(topic, "firehose", "arn:aws:firehose:us-east-1:123456789012:deliverystream/s").code,
            "InvalidParameterException");  // SubscriptionRoleArn required
  EXPECT_EQ(sub("arn:aws:sns:us-east-1:123456789012:missing", "sqs", queue.arn).code, "NotFoundException");

  // Same endpoint, different attributes.
  subscribe(topic, "sqs", queue.arn, {{"RawMessageDelivery", "true"}});
  EXPECT_EQ(sub(topic, "sqs", queue.arn, {{"RawMessageDelivery", "false"}}).message,
            "Invalid parameter: Attributes Reason: Subscription already exists with different attributes");

  // Firehose with a role is confirmed at once.
  auto firehose = subscribe(topic, "firehose", "arn:aws:firehose:us-east-1:123456789012:deliverystream/s",
                            {{"SubscriptionRoleArn", "arn:aws:iam::123456789012:role/sns-firehose"}});
  auto attributes =
      ok("GetSubscriptionAttributes", {{"SubscriptionArn", firehose}})["Attributes"].as_object();
  EXPECT_EQ(attributes["PendingConfirmation"].as_string(), "false");
  EXPECT_EQ(attributes["SubscriptionRoleArn"].as_string(), "arn:aws:iam::123456789012:role/sns-firehose");
}

TEST_F(SubscriptionsTest, SetSubscriptionAttributesValidation) {
  auto topic = create_topic("t");
  auto queue = create_queue("q");
  auto arn = subscribe(topic, "sqs", queue.arn);
  auto set = [&](const char* name, const char* value) {
    return error("SetSubscriptionAttributes",
                 {{"SubscriptionArn", arn}, {"AttributeName", name}, {"AttributeValue", value}});
  };
  EXPECT_EQ(set("Bogus", "1").message, "Invalid parameter: AttributeName");
  EXPECT_EQ(set("FilterPolicyScope", "Everything").code, "InvalidParameterException");
  EXPECT_TRUE(set("FilterPolicy", R"({"a": [{"numeric": ["<"]}]})")
                  .message.starts_with("Invalid parameter: FilterPolicy"));
  // A nested policy is valid only in MessageBody scope.
  EXPECT_EQ(set("FilterPolicy", R"({"a": {"b": ["c"]}})").code, "InvalidParameterException");
  ok("SetSubscriptionAttributes",
     {{"SubscriptionArn", arn}, {"AttributeName", "FilterPolicyScope"}, {"AttributeValue", "MessageBody"}});
  ok("SetSubscriptionAttributes", {{"SubscriptionArn", arn},
                                   {"AttributeName", "FilterPolicy"},
                                   {"AttributeValue", R"({"a": {"b": ["c"]}})"}});
  // Back to attribute scope would make the nested policy invalid.
  EXPECT_EQ(set("FilterPolicyScope", "MessageAttributes").code, "InvalidParameterException");
  EXPECT_EQ(
      error("SetSubscriptionAttributes",
            {{"SubscriptionArn", arn}, {"AttributeName", "RawMessageDelivery"}, {"AttributeValue", "x"}},
            context_for(kOtherAccount))
          .code,
      "AuthorizationErrorException");
}

TEST_F(SubscriptionsTest, ListSubscriptionsPages) {
  auto topic = create_topic("t");
  for (int i = 0; i < 150; ++i)
    subscribe(topic, "sqs", "arn:aws:sqs:us-east-1:123456789012:q" + std::to_string(i));
  auto first = ok("ListSubscriptionsByTopic", {{"TopicArn", topic}});
  EXPECT_EQ(first["Subscriptions"].as_array().size(), 100u);
  ASSERT_TRUE(first.contains("NextToken"));
  auto second = ok("ListSubscriptionsByTopic", {{"TopicArn", topic}, {"NextToken", first["NextToken"]}});
  EXPECT_EQ(second["Subscriptions"].as_array().size(), 50u);
  EXPECT_FALSE(second.contains("NextToken"));
  auto all = ok("ListSubscriptions", {});
  EXPECT_EQ(all["Subscriptions"].as_array().size(), 100u);
  auto rest = ok("ListSubscriptions", {{"NextToken", all["NextToken"]}});
  EXPECT_EQ(rest["Subscriptions"].as_array().size(), 50u);
}

TEST_F(SubscriptionsTest, FifoTopicSubscriptionLimit) {
  auto topic = create_topic("f.fifo", {{"FifoTopic", "true"}});
  for (int i = 0; i < 100; ++i)
    subscribe(topic, "sqs", "arn:aws:sqs:us-east-1:123456789012:q" + std::to_string(i) + ".fifo");
  auto e = error(
      "Subscribe",
      {{"TopicArn", topic}, {"Protocol", "sqs"}, {"Endpoint", "arn:aws:sqs:us-east-1:123456789012:x.fifo"}});
  EXPECT_EQ(e.code, "SubscriptionLimitExceededException");
  EXPECT_EQ(e.http_status, 403);
}

TEST_F(SubscriptionsTest, CrossAccountQueueNeedsConfirmation) {
  auto topic = create_topic("t");
  auto other = context_for(kOtherAccount);
  // The other account's queue lets this topic send to it.
  auto queue = create_queue("theirs", {}, other);
  const std::string policy =
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"sns.amazonaws.com"},"Action":"sqs:SendMessage","Resource":")" +
      queue.arn + R"(","Condition":{"ArnEquals":{"aws:SourceArn":")" + topic + R"("}}}]})";
  sqs_ok("SetQueueAttributes", {{"QueueUrl", queue.url}, {"Attributes", {{"Policy", policy}}}}, other);

  auto pending =
      ok("Subscribe", {{"TopicArn", topic}, {"Protocol", "sqs"}, {"Endpoint", queue.arn}})["SubscriptionArn"];
  EXPECT_EQ(pending.as_string(), "pending confirmation");
  auto listed = ok("ListSubscriptionsByTopic", {{"TopicArn", topic}})["Subscriptions"].as_array();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].as_object().at("SubscriptionArn").as_string(), "PendingConfirmation");

  // The queue got a signed SubscriptionConfirmation.
  auto messages = receive(queue.url, other);
  ASSERT_EQ(messages.size(), 1u);
  auto confirmation = json::parse(messages[0].as_object().at("Body").as_string()).as_object();
  EXPECT_EQ(confirmation["Type"].as_string(), "SubscriptionConfirmation");
  EXPECT_TRUE(verify_signature(sns_->signing_cert_pem(), string_to_sign(confirmation),
                               std::string(confirmation["Signature"].as_string()), EVP_sha1()));
  auto token = std::string(confirmation["Token"].as_string());
  EXPECT_EQ(error("ConfirmSubscription", {{"TopicArn", topic}, {"Token", "wrong"}}, other).message,
            "Invalid parameter: Token");
  auto confirmed = ok("ConfirmSubscription", {{"TopicArn", topic}, {"Token", token}}, other);
  auto arn = std::string(confirmed["SubscriptionArn"].as_string());
  EXPECT_TRUE(arn.starts_with(topic + ":"));
  // Confirming twice answers the same subscription.
  EXPECT_EQ(ok("ConfirmSubscription", {{"TopicArn", topic}, {"Token", token}}, other)["SubscriptionArn"]
                .as_string(),
            arn);

  ok("Publish", {{"TopicArn", topic}, {"Message", "across accounts"}});
  auto delivered = receive(queue.url, other);
  ASSERT_EQ(delivered.size(), 1u);
  auto envelope = json::parse(delivered[0].as_object().at("Body").as_string()).as_object();
  EXPECT_EQ(envelope["Message"].as_string(), "across accounts");
}

TEST_F(SubscriptionsTest, CrossAccountQueueWithoutPolicyGetsNothing) {
  auto topic = create_topic("t");
  auto other = context_for(kOtherAccount);
  auto queue = create_queue("closed", {}, other);
  // A subscription the queue owner makes from their side is confirmed (they own the endpoint),
  // but the queue's policy still decides whether SNS may deliver.
  ok("AddPermission", {{"TopicArn", topic},
                       {"Label", "sub"},
                       {"AWSAccountId", json::array{kOtherAccount}},
                       {"ActionName", json::array{"Subscribe"}}});
  auto arn = subscribe(topic, "sqs", queue.arn, {}, other);
  auto attributes =
      ok("GetSubscriptionAttributes", {{"SubscriptionArn", arn}}, other)["Attributes"].as_object();
  EXPECT_EQ(attributes["PendingConfirmation"].as_string(), "false");
  ok("Publish", {{"TopicArn", topic}, {"Message", "denied"}});
  EXPECT_TRUE(receive(queue.url, other).empty());
}

}  // namespace
}  // namespace fanout::services::sns::testing
