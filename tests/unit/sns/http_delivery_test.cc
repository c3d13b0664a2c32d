// HTTP/S subscriptions: the SubscriptionConfirmation handshake, signed notifications with the
// x-amz-sns-* headers, raw delivery, retries per the delivery policy and the dead-letter queue.
#include "sns_fixture.h"
#include "test_http_server.h"

namespace fanout::services::sns::testing {
namespace {

class HttpDeliveryTest : public SnsTest {
 protected:
  // Subscribes the server's URL, answers the SubscriptionConfirmation (unauthenticated, as a
  // subscriber visiting SubscribeURL does) and returns the subscription ARN.
  std::string subscribe_and_confirm(const std::string& topic, TestHttpServer& server,
                                    json::object attributes = {}) {
    const auto before = server.requests().size();
    auto arn = subscribe(topic, "http", server.url(), std::move(attributes));
    EXPECT_TRUE(server.wait_for(before + 1));
    auto request = server.requests().at(before);
    auto body = json::parse(request.body).as_object();
    auto anonymous = context_for(kAccount);
    anonymous.access_key_id.clear();
    auto confirmed = ok("ConfirmSubscription", {{"TopicArn", topic}, {"Token", body.at("Token")}}, anonymous);
    EXPECT_EQ(confirmed["SubscriptionArn"].as_string(), arn);
    return arn;
  }
};

TEST_F(HttpDeliveryTest, ConfirmationNotificationAndUnsubscribe) {
  TestHttpServer server;
  auto topic = create_topic("web");
  auto pending = ok("Subscribe", {{"TopicArn", topic}, {"Protocol", "http"}, {"Endpoint", server.url()}});
  EXPECT_EQ(pending["SubscriptionArn"].as_string(), "pending confirmation");
  ASSERT_TRUE(server.wait_for(1));
  auto confirmation = server.requests()[0];
  EXPECT_EQ(confirmation.target, "/hook");
  EXPECT_EQ(confirmation.header("x-amz-sns-message-type"), "SubscriptionConfirmation");
  EXPECT_EQ(confirmation.header("x-amz-sns-topic-arn"), topic);
  EXPECT_EQ(confirmation.header("content-type"), "text/plain; charset=UTF-8");
  EXPECT_EQ(confirmation.header("user-agent"), "Amazon Simple Notification Service Agent");
  EXPECT_EQ(confirmation.header("x-amz-sns-subscription-arn"), "");
  auto body = json::parse(confirmation.body).as_object();
  EXPECT_EQ(confirmation.header("x-amz-sns-message-id"), body["MessageId"].as_string());
  EXPECT_EQ(body["Type"].as_string(), "SubscriptionConfirmation");
  auto token = std::string(body["Token"].as_string());
  EXPECT_EQ(body["SubscribeURL"].as_string(),
            "http://localhost:4566/?Action=ConfirmSubscription&TopicArn=" + topic + "&Token=" + token);
  EXPECT_EQ(body["Message"].as_string(),
            "You have chosen to subscribe to the topic " + topic +
                ".\nTo confirm the subscription, visit the SubscribeURL included in this message.");
  EXPECT_TRUE(verify_signature(sns_->signing_cert_pem(), string_to_sign(body),
                               std::string(body["Signature"].as_string()), EVP_sha1()));

  // Pending: publishes do not reach it.
  ok("Publish", {{"TopicArn", topic}, {"Message", "too early"}});
  auto anonymous = context_for(kAccount);
  anonymous.access_key_id.clear();
  auto arn = std::string(
      ok("ConfirmSubscription", {{"TopicArn", topic}, {"Token", token}}, anonymous)["SubscriptionArn"]
          .as_string());
  auto attributes = ok("GetSubscriptionAttributes", {{"SubscriptionArn", arn}})["Attributes"].as_object();
  EXPECT_EQ(attributes["PendingConfirmation"].as_string(), "false");
  EXPECT_EQ(attributes["ConfirmationWasAuthenticated"].as_string(), "false");
  EXPECT_TRUE(attributes.contains("EffectiveDeliveryPolicy"));

  auto published = ok("Publish", {{"TopicArn", topic}, {"Message", "hello web"}, {"Subject", "S"}});
  ASSERT_TRUE(server.wait_for(2));
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);  // "too early" was never sent
  auto& notification = requests[1];
  EXPECT_EQ(notification.header("x-amz-sns-message-type"), "Notification");
  EXPECT_EQ(notification.header("x-amz-sns-message-id"), published["MessageId"].as_string());
  EXPECT_EQ(notification.header("x-amz-sns-subscription-arn"), arn);
  EXPECT_EQ(notification.header("x-amz-sns-topic-arn"), topic);
  auto envelope = json::parse(notification.body).as_object();
  EXPECT_EQ(envelope["Message"].as_string(), "hello web");
  EXPECT_EQ(envelope["Subject"].as_string(), "S");
  EXPECT_TRUE(verify_signature(sns_->signing_cert_pem(), string_to_sign(envelope),
                               std::string(envelope["Signature"].as_string()), EVP_sha1()));
  EXPECT_TRUE(eventually([&] { return sns_->outbox_size() == 0; }));

  // Unsubscribing via the UnsubscribeURL (no credentials) works and is confirmed to the endpoint.
  ok("Unsubscribe", {{"SubscriptionArn", arn}}, anonymous);
  ASSERT_TRUE(server.wait_for(3));
  auto goodbye = server.requests()[2];
  EXPECT_EQ(goodbye.header("x-amz-sns-message-type"), "UnsubscribeConfirmation");
  auto goodbye_body = json::parse(goodbye.body).as_object();
  EXPECT_EQ(goodbye_body["Type"].as_string(), "UnsubscribeConfirmation");
  EXPECT_TRUE(verify_signature(sns_->signing_cert_pem(), string_to_sign(goodbye_body),
                               std::string(goodbye_body["Signature"].as_string()), EVP_sha1()));
}

TEST_F(HttpDeliveryTest, AuthenticateOnUnsubscribe) {
  TestHttpServer server;
  auto topic = create_topic("t");
  auto arn = subscribe(topic, "http", server.url());
  ASSERT_TRUE(server.wait_for(1));
  auto token = json::parse(server.requests()[0].body).as_object()["Token"];
  ok("ConfirmSubscription", {{"TopicArn", topic}, {"Token", token}, {"AuthenticateOnUnsubscribe", "true"}});
  auto anonymous = context_for(kAccount);
  anonymous.access_key_id.clear();
  // Unsigned: refused, even when the request names the owner's account.
  EXPECT_EQ(error("Unsubscribe", {{"SubscriptionArn", arn}}, anonymous).code, "AuthorizationErrorException");
  anonymous.account_id = kOtherAccount;
  EXPECT_EQ(error("Unsubscribe", {{"SubscriptionArn", arn}}, anonymous).code, "AuthorizationErrorException");
  // Signed by another account: refused too.
  EXPECT_EQ(error("Unsubscribe", {{"SubscriptionArn", arn}}, context_for(kOtherAccount)).code,
            "AuthorizationErrorException");
  ok("Unsubscribe", {{"SubscriptionArn", arn}});
}

TEST_F(HttpDeliveryTest, RawDelivery) {
  TestHttpServer server;
  auto topic = create_topic("t");
  subscribe_and_confirm(topic, server, {{"RawMessageDelivery", "true"}});
  ok("Publish", {{"TopicArn", topic}, {"Message", "just the body"}});
  ASSERT_TRUE(server.wait_for(2));
  auto request = server.requests()[1];
  EXPECT_EQ(request.body, "just the body");
  EXPECT_EQ(request.header("x-amz-sns-rawdelivery"), "true");
  EXPECT_EQ(request.header("x-amz-sns-message-type"), "Notification");
}

TEST_F(HttpDeliveryTest, RetriesPerDeliveryPolicyThenDeadLetterQueue) {
  TestHttpServer server;
  auto topic = create_topic("t");
  auto dlq = create_queue("dlq");
  subscribe_and_confirm(
      topic, server,
      {{"DeliveryPolicy", R"({"healthyRetryPolicy":{"minDelayTarget":1,"maxDelayTarget":1,"numRetries":2}})"},
       {"RedrivePolicy", R"({"deadLetterTargetArn":")" + dlq.arn + "\"}"}});
  server.set_status(503);
  ok("Publish", {{"TopicArn", topic}, {"Message", "doomed"}});
  ASSERT_TRUE(server.wait_for(2));  // first attempt
  // Retries come one second apart (the clock is manual).
  EXPECT_TRUE(eventually([&] { return sns_->outbox_size() == 1 && server.requests().size() == 2; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(server.requests().size(), 2u);
  // Let time pass (one second per step) until the retries are exhausted.
  EXPECT_TRUE(eventually([&] {
    clock_.advance_ms(1000);
    return !receive(dlq.url).empty();
  }));
  EXPECT_EQ(server.requests().size(), 4u);  // 1 + numRetries
  EXPECT_TRUE(eventually([&] { return sns_->outbox_size() == 0; }));
}

TEST_F(HttpDeliveryTest, AnEndpointThatNeverAnswersHoldsOnlyItsShareOfDeliverySlots) {
  TestHttpServer hanging, healthy;
  auto slow = create_topic("slow");
  auto fast = create_topic("fast");
  subscribe_and_confirm(slow, hanging);
  subscribe_and_confirm(fast, healthy);
  hanging.set_hang(true);  // from now on it accepts and reads, and never answers
  const std::size_t confirmations = hanging.requests().size();
  // Far more deliveries than the engine attempts at once (64), all to the hanging endpoint.
  for (int i = 0; i < 100; ++i)
    ok("Publish", {{"TopicArn", slow}, {"Message", "stuck " + std::to_string(i)}});
  const std::size_t share = SnsOptions{}.max_concurrent_deliveries_per_subscription;
  ASSERT_TRUE(hanging.wait_for(confirmations + share));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(hanging.requests().size(), confirmations + share);  // the rest wait their turn
  // Another subscription's delivery goes out at once, not after the hanging attempts time out.
  const auto before = healthy.requests().size();
  ok("Publish", {{"TopicArn", fast}, {"Message", "flows"}});
  ASSERT_TRUE(healthy.wait_for(before + 1, std::chrono::seconds(3)));
  EXPECT_EQ(json::parse(healthy.requests().back().body).as_object()["Message"].as_string(), "flows");
  EXPECT_TRUE(eventually([&] { return sns_->outbox_size() == 100; }));  // the stuck ones wait
}

TEST_F(HttpDeliveryTest, ClientErrorIsNotRetried) {
  TestHttpServer server;
  auto topic = create_topic("t");
  auto dlq = create_queue("dlq");
  subscribe_and_confirm(topic, server, {{"RedrivePolicy", R"({"deadLetterTargetArn":")" + dlq.arn + "\"}"}});
  server.set_status(403);
  ok("Publish", {{"TopicArn", topic}, {"Message", "refused"}});
  std::vector<std::string> bodies;
  EXPECT_TRUE(eventually([&] {
    for (auto& b : drain(dlq.url)) bodies.push_back(b);
    return !bodies.empty();
  }));
  ASSERT_EQ(bodies.size(), 1u);
  EXPECT_EQ(json::parse(bodies[0]).as_object()["Message"].as_string(), "refused");
  EXPECT_EQ(server.requests().size(), 2u);
}

TEST_F(HttpDeliveryTest, UnreachableEndpointDeadLetters) {
  auto server = std::make_unique<TestHttpServer>();
  auto topic = create_topic("t");
  auto dlq = create_queue("dlq");
  subscribe_and_confirm(
      topic, *server,
      {{"DeliveryPolicy", R"({"healthyRetryPolicy":{"minDelayTarget":1,"maxDelayTarget":1,"numRetries":1}})"},
       {"RedrivePolicy", R"({"deadLetterTargetArn":")" + dlq.arn + "\"}"}});
  server.reset();  // nothing listens there any more
  ok("Publish", {{"TopicArn", topic}, {"Message", "nobody home"}});
  EXPECT_TRUE(eventually([&] { return sns_->outbox_size() == 1; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  clock_.advance_ms(1000);
  std::vector<std::string> bodies;
  EXPECT_TRUE(eventually([&] {
    for (auto& b : drain(dlq.url)) bodies.push_back(b);
    return !bodies.empty();
  }));
  ASSERT_EQ(bodies.size(), 1u);
  auto envelope = json::parse(bodies[0]).as_object();
  EXPECT_EQ(envelope["Message"].as_string(), "nobody home");
  EXPECT_EQ(envelope["Type"].as_string(), "Notification");
}

TEST_F(HttpDeliveryTest, TopicDeliveryPolicyAndContentType) {
  TestHttpServer server;
  auto topic = create_topic(
      "t",
      {{"DeliveryPolicy",
        R"({"http":{"defaultHealthyRetryPolicy":{"minDelayTarget":1,"maxDelayTarget":1,"numRetries":0},"defaultRequestPolicy":{"headerContentType":"application/json"}}})"}});
  auto arn = subscribe_and_confirm(topic, server);
  auto attributes = ok("GetSubscriptionAttributes", {{"SubscriptionArn", arn}})["Attributes"].as_object();
  auto effective = json::parse(attributes["EffectiveDeliveryPolicy"].as_string()).as_object();
  EXPECT_EQ(effective["healthyRetryPolicy"].as_object()["numRetries"].as_int64(), 0);
  ok("Publish", {{"TopicArn", topic}, {"Message", "typed"}});
  ASSERT_TRUE(server.wait_for(2));
  EXPECT_EQ(server.requests()[1].header("content-type"), "application/json");
}

}  // namespace
}  // namespace fanout::services::sns::testing
