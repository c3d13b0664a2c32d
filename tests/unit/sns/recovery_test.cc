// Everything survives a reopen: topics, subscriptions, FIFO state, the signing key, and
// outbox deliveries not yet made.
#include "sns_fixture.h"
#include "test_http_server.h"

namespace fanout::services::sns::testing {
namespace {

class RecoveryTest : public SnsTest {
 protected:
  void SetUp() override {
    options_.signing_key_bits = 1024;
    options_.tick_interval_ms = 20;
    open(store::Durability::relaxed, dir_.path());
  }
  void reopen() {
    close();
    open(store::Durability::relaxed, dir_.path());
  }
  TempDir dir_;
};

TEST_F(RecoveryTest, StateSurvivesReopen) {
  auto topic = create_topic("t", {{"DisplayName", "Orders"}});
  auto fifo = create_topic("f.fifo", {{"FifoTopic", "true"}});
  auto queue = create_queue("q");
  auto fifo_queue = create_queue("q.fifo", {{"FifoQueue", "true"}});
  auto sub = subscribe(topic, "sqs", queue.arn,
                       {{"RawMessageDelivery", "true"}, {"FilterPolicy", R"({"k":["v"]})"}});
  subscribe(fifo, "sqs", fifo_queue.arn, {{"RawMessageDelivery", "true"}});
  ok("TagResource",
     {{"ResourceArn", topic}, {"Tags", json::array{json::object{{"Key", "a"}, {"Value", "b"}}}}});
  auto first =
      ok("Publish",
         {{"TopicArn", fifo}, {"Message", "one"}, {"MessageGroupId", "g"}, {"MessageDeduplicationId", "x"}});
  ok("Publish", {{"TopicArn", topic},
                 {"Message", "kept"},
                 {"MessageAttributes", {{"k", {{"DataType", "String"}, {"StringValue", "v"}}}}}});
  const auto cert = sns_->signing_cert_pem();

  reopen();
  EXPECT_EQ(sns_->signing_cert_pem(), cert);
  EXPECT_EQ(
      ok("GetTopicAttributes", {{"TopicArn", topic}})["Attributes"].as_object()["DisplayName"].as_string(),
      "Orders");
  EXPECT_EQ(ok("ListTopics", {})["Topics"].as_array().size(), 2u);
  auto attributes = ok("GetSubscriptionAttributes", {{"SubscriptionArn", sub}})["Attributes"].as_object();
  EXPECT_EQ(attributes["FilterPolicy"].as_string(), R"({"k":["v"]})");
  EXPECT_EQ(ok("ListTagsForResource", {{"ResourceArn", topic}})["Tags"].as_array().size(), 1u);
  // The delivered message is there; the filter still applies.
  ok("Publish", {{"TopicArn", topic}, {"Message", "filtered out"}});
  EXPECT_EQ(drain(queue.url), (std::vector<std::string>{"kept"}));
  // FIFO deduplication and sequence survive.
  auto dup =
      ok("Publish",
         {{"TopicArn", fifo}, {"Message", "one"}, {"MessageGroupId", "g"}, {"MessageDeduplicationId", "x"}});
  EXPECT_EQ(dup["MessageId"], first["MessageId"]);
  auto next =
      ok("Publish",
         {{"TopicArn", fifo}, {"Message", "two"}, {"MessageGroupId", "g"}, {"MessageDeduplicationId", "y"}});
  EXPECT_GT(std::string(next["SequenceNumber"].as_string()),
            std::string(first["SequenceNumber"].as_string()));
  EXPECT_EQ(drain(fifo_queue.url), (std::vector<std::string>{"one", "two"}));
}

TEST_F(RecoveryTest, PendingHttpDeliveriesResumeAfterReopen) {
  auto topic = create_topic("t");
  std::string token;
  unsigned short port;
  {
    TestHttpServer server;
    port = server.port();
    subscribe(topic, "http", server.url("/hook"));
    ASSERT_TRUE(server.wait_for(1));
    token = std::string(json::parse(server.requests()[0].body).as_object()["Token"].as_string());
  }
  ok("ConfirmSubscription", {{"TopicArn", topic}, {"Token", token}});
  // The endpoint is down: the delivery fails and waits for its retry in the outbox.
  ok("Publish", {{"TopicArn", topic}, {"Message", "survives"}});
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_TRUE(eventually([&] { return sns_->outbox_size() == 1; }));
  reopen();
  EXPECT_EQ(sns_->outbox_size(), 1u);
  // The endpoint is back; once the retry is due (20 s by default) the message arrives.
  TestHttpServer server(port);
  clock_.advance_ms(20'000);
  ASSERT_TRUE(server.wait_for(1));
  auto envelope = json::parse(server.requests()[0].body).as_object();
  EXPECT_EQ(envelope["Message"].as_string(), "survives");
  EXPECT_TRUE(eventually([&] { return sns_->outbox_size() == 0; }));
}

TEST_F(RecoveryTest, FirehoseOutboxSurvivesReopen) {
  auto topic = create_topic("t");
  subscribe(topic, "firehose", "arn:aws:firehose:us-east-1:123456789012:deliverystream/s",
            {{"SubscriptionRoleArn", "arn:aws:iam::123456789012:role/r"}});
  ok("Publish", {{"TopicArn", topic}, {"Message", "later"}});
  ok("Publish", {{"TopicArn", topic}, {"Message", "later too"}});
  reopen();
  EXPECT_EQ(sns_->outbox_size(), 2u);
}

TEST_F(RecoveryTest, ResetForgetsEverything) {
  auto topic = create_topic("t");
  subscribe(topic, "sqs", create_queue("q").arn);
  sns_->reset();
  EXPECT_TRUE(ok("ListTopics", {})["Topics"].as_array().empty());
  EXPECT_TRUE(ok("ListSubscriptions", {})["Subscriptions"].as_array().empty());
  const auto cert = sns_->signing_cert_pem();
  reopen();
  EXPECT_TRUE(ok("ListTopics", {})["Topics"].as_array().empty());
  EXPECT_EQ(sns_->signing_cert_pem(), cert);
}

}  // namespace
}  // namespace fanout::services::sns::testing
