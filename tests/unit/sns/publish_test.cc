// Publishing to SQS subscriptions: the envelope (fields, order, signature), raw delivery, filter
// policies, MessageStructure=json, FIFO topics, PublishBatch, limits and validation.
#include "sns_fixture.h"

namespace fanout::services::sns::testing {
namespace {

using PublishTest = SnsTest;

std::vector<std::string> keys_of(const std::string& json_text) {
  // Top-level keys in document order (boost::json keeps insertion order).
  std::vector<std::string> keys;
  auto document = json::parse(json_text);
  for (const auto& kv : document.as_object()) keys.emplace_back(kv.key());
  return keys;
}

TEST_F(PublishTest, EnvelopeToSqs) {
  auto topic = create_topic("orders");
  auto queue = create_queue("q");
  auto sub = subscribe(topic, "sqs", queue.arn);
  auto out = ok("Publish",
                {{"TopicArn", topic},
                 {"Message", "hello \"world\"\n"},
                 {"Subject", "Greeting"},
                 {"MessageAttributes",
                  {{"kind", {{"DataType", "String"}, {"StringValue", "order"}}},
                   {"amount", {{"DataType", "Number"}, {"StringValue", "12.5"}}},
                   {"blob", {{"DataType", "Binary"}, {"BinaryValue", crypto::base64_encode("\x01\x02")}}}}}});
  auto message_id = std::string(out["MessageId"].as_string());
  EXPECT_EQ(message_id.size(), 36u);
  EXPECT_FALSE(out.contains("SequenceNumber"));

  auto messages = receive(queue.url);
  ASSERT_EQ(messages.size(), 1u);
  auto body = std::string(messages[0].as_object().at("Body").as_string());
  EXPECT_TRUE(
      body.starts_with("{\n  \"Type\" : \"Notification\",\n  \"MessageId\" : \"" + message_id + "\",\n"));
  EXPECT_EQ(keys_of(body),
            (std::vector<std::string>{"Type", "MessageId", "TopicArn", "Subject", "Message", "Timestamp",
                                      "SignatureVersion", "Signature", "SigningCertURL", "UnsubscribeURL",
                                      "MessageAttributes"}));
  auto envelope = json::parse(body).as_object();
  EXPECT_EQ(envelope["TopicArn"].as_string(), topic);
  EXPECT_EQ(envelope["Subject"].as_string(), "Greeting");
  EXPECT_EQ(envelope["Message"].as_string(), "hello \"world\"\n");
  EXPECT_EQ(envelope["SignatureVersion"].as_string(), "1");
  EXPECT_EQ(envelope["SigningCertURL"].as_string(),
            "http://localhost:4566/_fanout/sns/SimpleNotificationService.pem");
  EXPECT_EQ(envelope["UnsubscribeURL"].as_string(),
            "http://localhost:4566/?Action=Unsubscribe&SubscriptionArn=" + sub);
  auto timestamp = std::string(envelope["Timestamp"].as_string());
  EXPECT_EQ(timestamp.size(), 24u);  // 2023-11-14T22:13:20.000Z
  EXPECT_EQ(timestamp.back(), 'Z');
  EXPECT_EQ(timestamp[19], '.');
  auto attributes = envelope["MessageAttributes"].as_object();
  EXPECT_EQ(json::serialize(attributes["kind"]), R"({"Type":"String","Value":"order"})");
  EXPECT_EQ(json::serialize(attributes["amount"]), R"({"Type":"Number","Value":"12.5"})");
  EXPECT_EQ(attributes["blob"].as_object()["Value"].as_string(), crypto::base64_encode("\x01\x02"));
  EXPECT_NE(body.find("    \"kind\" : {\"Type\":\"String\",\"Value\":\"order\"}"), std::string::npos) << body;
  EXPECT_TRUE(verify_signature(sns_->signing_cert_pem(), string_to_sign(envelope),
                               std::string(envelope["Signature"].as_string()), EVP_sha1()));
  // The SQS message itself carries no attributes in enveloped mode.
  EXPECT_FALSE(messages[0].as_object().contains("MessageAttributes"));
}

TEST_F(PublishTest, SignatureVersion2AndNoSubject) {
  auto topic = create_topic("t", {{"SignatureVersion", "2"}});
  auto queue = create_queue("q");
  subscribe(topic, "sqs", queue.arn);
  ok("Publish", {{"TopicArn", topic}, {"Message", "m"}});
  auto messages = receive(queue.url);
  ASSERT_EQ(messages.size(), 1u);
  auto body = std::string(messages[0].as_object().at("Body").as_string());
  auto envelope = json::parse(body).as_object();
  EXPECT_FALSE(envelope.contains("Subject"));
  EXPECT_FALSE(envelope.contains("MessageAttributes"));
  EXPECT_EQ(envelope["SignatureVersion"].as_string(), "2");
  EXPECT_TRUE(verify_signature(sns_->signing_cert_pem(), string_to_sign(envelope),
                               std::string(envelope["Signature"].as_string()), EVP_sha256()));
  EXPECT_FALSE(verify_signature(sns_->signing_cert_pem(), string_to_sign(envelope),
                                std::string(envelope["Signature"].as_string()), EVP_sha1()));
}

TEST_F(PublishTest, RawDeliveryCarriesAttributes) {
  auto topic = create_topic("t");
  auto raw = create_queue("raw");
  auto enveloped = create_queue("enveloped");
  subscribe(topic, "sqs", raw.arn, {{"RawMessageDelivery", "true"}});
  subscribe(topic, "sqs", enveloped.arn);
  ok("Publish", {{"TopicArn", topic},
                 {"Message", R"({"consumer":42})"},
                 {"MessageAttributes",
                  {{"kind", {{"DataType", "String"}, {"StringValue", "created"}}},
                   {"n", {{"DataType", "Number"}, {"StringValue", "7"}}}}}});
  auto raw_messages = receive(raw.url);
  ASSERT_EQ(raw_messages.size(), 1u);
  const auto& m = raw_messages[0].as_object();
  EXPECT_EQ(m.at("Body").as_string(), R"({"consumer":42})");
  const auto& attrs = m.at("MessageAttributes").as_object();
  EXPECT_EQ(attrs.at("kind").as_object().at("StringValue").as_string(), "created");
  EXPECT_EQ(attrs.at("kind").as_object().at("DataType").as_string(), "String");
  EXPECT_EQ(attrs.at("n").as_object().at("DataType").as_string(), "Number");
  EXPECT_EQ(m.at("Attributes").as_object().at("SenderId").as_string(), "AIDAIT2UOQQY3AUEKVGXU");

  auto env = receive(enveloped.url);
  ASSERT_EQ(env.size(), 1u);
  EXPECT_EQ(json::parse(env[0].as_object().at("Body").as_string()).as_object()["Message"].as_string(),
            R"({"consumer":42})");
}

// The raw body's MD5 is computed once per message and shared by its raw deliveries: each queue
// still answers with the MD5 of exactly the body it holds, message by message.
TEST_F(PublishTest, RawDeliveriesShareTheirBodysMd5) {
  auto topic = create_topic("t");
  auto orders = create_queue("orders");
  auto payments = create_queue("payments");
  subscribe(topic, "sqs", orders.arn, {{"RawMessageDelivery", "true"}});
  subscribe(topic, "sqs", payments.arn, {{"RawMessageDelivery", "true"}});
  ok("PublishBatch",
     {{"TopicArn", topic},
      {"PublishBatchRequestEntries", json::array{json::object{{"Id", "a"}, {"Message", "first event"}},
                                                 json::object{{"Id", "b"}, {"Message", "second event"}}}}});
  for (const auto* queue : {&orders, &payments}) {
    auto messages = receive(queue->url);
    ASSERT_EQ(messages.size(), 2u);
    std::set<std::string> bodies;
    for (const auto& m : messages) {
      const std::string body(m.as_object().at("Body").as_string());
      bodies.insert(body);
      EXPECT_EQ(m.as_object().at("MD5OfBody").as_string(), crypto::hex(crypto::md5(body))) << body;
    }
    EXPECT_EQ(bodies, (std::set<std::string>{"first event", "second event"}));
  }
}

TEST_F(PublishTest, FilterPolicies) {
  auto topic = create_topic("t");
  auto orders = create_queue("orders");
  auto big = create_queue("big");
  auto body = create_queue("body");
  auto all = create_queue("all");
  subscribe(topic, "sqs", orders.arn, {{"FilterPolicy", R"({"kind":["order"]})"}});
  subscribe(topic, "sqs", big.arn, {{"FilterPolicy", R"({"amount":[{"numeric":[">=",100]}]})"}});
  subscribe(topic, "sqs", body.arn,
            {{"FilterPolicyScope", "MessageBody"}, {"FilterPolicy", R"({"customer":{"tier":["gold"]}})"}});
  subscribe(topic, "sqs", all.arn);
  auto publish = [&](const std::string& message, json::object attributes) {
    json::object input{{"TopicArn", topic}, {"Message", message}};
    if (!attributes.empty()) input["MessageAttributes"] = std::move(attributes);
    ok("Publish", std::move(input));
  };
  publish("1", {{"kind", {{"DataType", "String"}, {"StringValue", "order"}}}});
  publish("2", {{"kind", {{"DataType", "String"}, {"StringValue", "refund"}}},
                {"amount", {{"DataType", "Number"}, {"StringValue", "150"}}}});
  publish(R"({"customer":{"tier":"gold"}})", {});
  publish(R"({"customer":{"tier":"silver"}})", {});
  auto bodies = [&](const Queue& q) {
    auto b = drain(q.url);
    std::vector<std::string> messages;
    messages.reserve(b.size());
    for (const auto& text : b) messages.emplace_back(json::parse(text).as_object()["Message"].as_string());
    std::sort(messages.begin(), messages.end());
    return messages;
  };
  EXPECT_EQ(bodies(orders), (std::vector<std::string>{"1"}));
  EXPECT_EQ(bodies(big), (std::vector<std::string>{"2"}));
  EXPECT_EQ(bodies(body), (std::vector<std::string>{R"({"customer":{"tier":"gold"}})"}));
  EXPECT_EQ(bodies(all).size(), 4u);
}

TEST_F(PublishTest, MessageStructureJson) {
  auto topic = create_topic("t");
  auto raw = create_queue("raw");
  auto enveloped = create_queue("enveloped");
  subscribe(topic, "sqs", raw.arn, {{"RawMessageDelivery", "true"}});
  subscribe(topic, "sqs", enveloped.arn);
  ok("Publish", {{"TopicArn", topic},
                 {"MessageStructure", "json"},
                 {"Message", R"({"default":"for everyone","sqs":"for queues","http":"for web"})"}});
  EXPECT_EQ(drain(raw.url), (std::vector<std::string>{"for queues"}));
  auto env = drain(enveloped.url);
  ASSERT_EQ(env.size(), 1u);
  EXPECT_EQ(json::parse(env[0]).as_object()["Message"].as_string(), "for queues");

  ok("Publish",
     {{"TopicArn", topic}, {"MessageStructure", "json"}, {"Message", R"({"default":"only default"})"}});
  EXPECT_EQ(drain(raw.url), (std::vector<std::string>{"only default"}));

  EXPECT_EQ(
      error("Publish", {{"TopicArn", topic}, {"MessageStructure", "json"}, {"Message", R"({"sqs":"x"})"}})
          .message,
      "Invalid parameter: Message Structure - No default entry in JSON message body");
  EXPECT_EQ(
      error("Publish", {{"TopicArn", topic}, {"MessageStructure", "json"}, {"Message", "not json"}}).message,
      "Invalid parameter: Message Structure - JSON message body failed to parse");
  EXPECT_EQ(error("Publish", {{"TopicArn", topic}, {"MessageStructure", "xml"}, {"Message", "x"}}).message,
            "Invalid parameter: MessageStructure");
}

TEST_F(PublishTest, FifoTopicToFifoQueues) {
  auto topic = create_topic("orders.fifo", {{"FifoTopic", "true"}});
  auto q1 = create_queue("a.fifo", {{"FifoQueue", "true"}});
  auto q2 = create_queue("b.fifo", {{"FifoQueue", "true"}});
  subscribe(topic, "sqs", q1.arn);
  subscribe(topic, "sqs", q2.arn, {{"RawMessageDelivery", "true"}});

  EXPECT_EQ(error("Publish", {{"TopicArn", topic}, {"Message", "m"}}).message,
            "Invalid parameter: The MessageGroupId parameter is required for FIFO topics");
  EXPECT_EQ(error("Publish", {{"TopicArn", topic}, {"Message", "m"}, {"MessageGroupId", "g"}}).message,
            "Invalid parameter: The topic should either have ContentBasedDeduplication enabled or "
            "MessageDeduplicationId provided explicitly");

  std::vector<std::string> sequence_numbers, ids;
  for (int i = 0; i < 5; ++i) {
    auto out = ok("Publish", {{"TopicArn", topic},
                              {"Message", "m" + std::to_string(i)},
                              {"MessageGroupId", "g"},
                              {"MessageDeduplicationId", "d" + std::to_string(i)}});
    sequence_numbers.emplace_back(out["SequenceNumber"].as_string());
    ids.emplace_back(out["MessageId"].as_string());
  }
  EXPECT_EQ(sequence_numbers[0].size(), 20u);
  EXPECT_TRUE(std::is_sorted(sequence_numbers.begin(), sequence_numbers.end()));
  // A duplicate within five minutes is accepted and not delivered again.
  auto dup = ok(
      "Publish",
      {{"TopicArn", topic}, {"Message", "again"}, {"MessageGroupId", "g"}, {"MessageDeduplicationId", "d1"}});
  EXPECT_EQ(dup["MessageId"].as_string(), ids[1]);
  EXPECT_EQ(dup["SequenceNumber"].as_string(), sequence_numbers[1]);

  EXPECT_EQ(drain(q2.url), (std::vector<std::string>{"m0", "m1", "m2", "m3", "m4"}));
  auto enveloped = drain(q1.url);
  ASSERT_EQ(enveloped.size(), 5u);
  for (int i = 0; i < 5; ++i) {
    auto body = enveloped[i];
    auto e = json::parse(body).as_object();
    EXPECT_EQ(e["Message"].as_string(), "m" + std::to_string(i));
    EXPECT_EQ(e["SequenceNumber"].as_string(), sequence_numbers[i]);
    EXPECT_FALSE(e.contains("Signature"));
    EXPECT_EQ(keys_of(body), (std::vector<std::string>{"Type", "MessageId", "SequenceNumber", "TopicArn",
                                                       "Message", "Timestamp", "UnsubscribeURL"}));
  }
  // After the window the same id is a new message.
  clock_.advance_ms(5 * 60 * 1000 + 1);
  auto later = ok(
      "Publish",
      {{"TopicArn", topic}, {"Message", "later"}, {"MessageGroupId", "g"}, {"MessageDeduplicationId", "d1"}});
  EXPECT_NE(later["MessageId"].as_string(), ids[1]);
  EXPECT_EQ(drain(q2.url), (std::vector<std::string>{"later"}));
}

TEST_F(PublishTest, FifoContentBasedDeduplication) {
  auto topic = create_topic("c.fifo", {{"FifoTopic", "true"}, {"ContentBasedDeduplication", "true"}});
  auto q = create_queue("c.fifo", {{"FifoQueue", "true"}});
  subscribe(topic, "sqs", q.arn, {{"RawMessageDelivery", "true"}});
  auto a = ok("Publish", {{"TopicArn", topic}, {"Message", "same"}, {"MessageGroupId", "g"}});
  auto b = ok("Publish", {{"TopicArn", topic}, {"Message", "same"}, {"MessageGroupId", "g"}});
  EXPECT_EQ(a["MessageId"], b["MessageId"]);
  ok("Publish", {{"TopicArn", topic}, {"Message", "different"}, {"MessageGroupId", "g"}});
  EXPECT_EQ(drain(q.url), (std::vector<std::string>{"same", "different"}));
  // Standard topics refuse a deduplication id.
  auto standard = create_topic("s");
  EXPECT_EQ(
      error("Publish", {{"TopicArn", standard}, {"Message", "m"}, {"MessageDeduplicationId", "x"}}).code,
      "InvalidParameterException");
}

TEST_F(PublishTest, PublishBatch) {
  auto topic = create_topic("t");
  auto q = create_queue("q");
  subscribe(topic, "sqs", q.arn, {{"RawMessageDelivery", "true"}});
  auto entry = [](const std::string& id, const std::string& message) {
    return json::object{{"Id", id}, {"Message", message}};
  };
  auto out = ok("PublishBatch", {{"TopicArn", topic},
                                 {"PublishBatchRequestEntries",
                                  json::array{entry("a", "one"), entry("b", ""), entry("c", "three")}}});
  auto successful = out["Successful"].as_array();
  auto failed = out["Failed"].as_array();
  ASSERT_EQ(successful.size(), 2u);
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(successful[0].as_object().at("Id").as_string(), "a");
  EXPECT_EQ(successful[0].as_object().at("MessageId").as_string().size(), 36u);
  EXPECT_EQ(failed[0].as_object().at("Id").as_string(), "b");
  EXPECT_EQ(failed[0].as_object().at("Code").as_string(), "InvalidParameter");
  EXPECT_TRUE(failed[0].as_object().at("SenderFault").as_bool());
  auto bodies = drain(q.url);
  std::sort(bodies.begin(), bodies.end());
  EXPECT_EQ(bodies, (std::vector<std::string>{"one", "three"}));

  auto batch_error = [&](json::array entries) {
    return error("PublishBatch", {{"TopicArn", topic}, {"PublishBatchRequestEntries", std::move(entries)}})
        .code;
  };
  EXPECT_EQ(batch_error({}), "EmptyBatchRequestException");
  json::array eleven;
  for (int i = 0; i < 11; ++i) eleven.push_back(entry("e" + std::to_string(i), "m"));
  EXPECT_EQ(batch_error(eleven), "TooManyEntriesInBatchRequestException");
  EXPECT_EQ(batch_error({entry("x", "1"), entry("x", "2")}), "BatchEntryIdsNotDistinctException");
  EXPECT_EQ(batch_error({entry("bad id!", "1")}), "InvalidBatchEntryIdException");
  EXPECT_EQ(batch_error({entry("a", std::string(200000, 'a')), entry("b", std::string(200000, 'b'))}),
            "BatchRequestTooLongException");
  EXPECT_EQ(error("PublishBatch", {{"TopicArn", "arn:aws:sns:us-east-1:123456789012:none"},
                                   {"PublishBatchRequestEntries", json::array{entry("a", "1")}}})
                .code,
            "NotFoundException");
}

TEST_F(PublishTest, FifoPublishBatch) {
  auto topic = create_topic("b.fifo", {{"FifoTopic", "true"}, {"ContentBasedDeduplication", "true"}});
  auto q = create_queue("b.fifo", {{"FifoQueue", "true"}});
  subscribe(topic, "sqs", q.arn, {{"RawMessageDelivery", "true"}});
  json::array entries;
  for (int i = 0; i < 10; ++i) {
    entries.push_back(json::object{
        {"Id", "e" + std::to_string(i)}, {"Message", "m" + std::to_string(i)}, {"MessageGroupId", "g"}});
  }
  auto out = ok("PublishBatch", {{"TopicArn", topic}, {"PublishBatchRequestEntries", entries}});
  ASSERT_EQ(out["Successful"].as_array().size(), 10u);
  EXPECT_TRUE(out["Successful"].as_array()[0].as_object().contains("SequenceNumber"));
  auto bodies = drain(q.url);
  EXPECT_EQ(bodies, (std::vector<std::string>{"m0", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "m9"}));
}

TEST_F(PublishTest, SizeLimits) {
  auto topic = create_topic("t");
  auto q = create_queue("q", {{"MaximumMessageSize", "1048576"}});
  subscribe(topic, "sqs", q.arn, {{"RawMessageDelivery", "true"}});
  ok("Publish", {{"TopicArn", topic}, {"Message", std::string(262144, 'x')}});
  EXPECT_EQ(error("Publish", {{"TopicArn", topic}, {"Message", std::string(262145, 'x')}}).message,
            "Invalid parameter: Message too long");
  // Attributes count too.
  EXPECT_EQ(
      error("Publish", {{"TopicArn", topic},
                        {"Message", std::string(262140, 'x')},
                        {"MessageAttributes", {{"abc", {{"DataType", "String"}, {"StringValue", "x"}}}}}})
          .message,
      "Invalid parameter: Message too long");
  ok("SetTopicAttributes",
     {{"TopicArn", topic}, {"AttributeName", "MaximumMessageSize"}, {"AttributeValue", "1048576"}});
  ok("Publish", {{"TopicArn", topic}, {"Message", std::string(1048576, 'y')}});
  EXPECT_EQ(error("Publish", {{"TopicArn", topic}, {"Message", std::string(1048577, 'y')}}).code,
            "InvalidParameterException");
  auto bodies = drain(q.url);
  ASSERT_EQ(bodies.size(), 2u);
  // Large-message topics take SQS and Firehose subscriptions only.
  EXPECT_EQ(
      error("Subscribe", {{"TopicArn", topic}, {"Protocol", "http"}, {"Endpoint", "http://example.com/"}})
          .code,
      "InvalidParameterException");
}

TEST_F(PublishTest, Validation) {
  auto topic = create_topic("t");
  EXPECT_EQ(error("Publish", {{"TopicArn", topic}, {"Message", ""}}).message,
            "Invalid parameter: Empty message");
  EXPECT_EQ(error("Publish", {{"TopicArn", topic}, {"Message", "m"}, {"Subject", "line\nbreak"}}).message,
            "Invalid parameter: Subject");
  EXPECT_EQ(
      error("Publish", {{"TopicArn", topic}, {"Message", "m"}, {"Subject", std::string(100, 's')}}).message,
      "Invalid parameter: Subject");
  EXPECT_EQ(error("Publish", {{"Message", "m"}}).code, "InvalidParameterException");
  EXPECT_EQ(
      error("Publish", {{"TopicArn", "arn:aws:sns:us-east-1:123456789012:nope"}, {"Message", "m"}}).code,
      "NotFoundException");
  ok("Publish", {{"TargetArn", topic}, {"Message", "m"}});

  auto attr_error = [&](json::object attribute) {
    return error(
        "Publish",
        {{"TopicArn", topic}, {"Message", "m"}, {"MessageAttributes", {{"a", std::move(attribute)}}}});
  };
  auto e = attr_error({{"DataType", "String"}, {"StringValue", ""}});
  EXPECT_EQ(e.code, "InvalidParameterValueException");
  EXPECT_EQ(e.message,
            "The message attribute 'a' must contain non-empty message attribute value for message attribute "
            "type 'String'.");
  EXPECT_EQ(attr_error({{"DataType", "Float"}, {"StringValue", "1"}}).code, "InvalidParameterValueException");
  EXPECT_EQ(attr_error({{"DataType", "Number"}, {"StringValue", "abc"}}).message,
            "Could not cast message attribute 'a' value to number.");
  EXPECT_EQ(attr_error({{"DataType", "String.Array"}, {"StringValue", "not an array"}}).code,
            "InvalidParameterValueException");
  ok("Publish", {{"TopicArn", topic},
                 {"Message", "m"},
                 {"MessageAttributes",
                  {{"list", {{"DataType", "String.Array"}, {"StringValue", R"(["a",1,true])"}}},
                   {"custom", {{"DataType", "Number.float"}, {"StringValue", "1.5e3"}}}}}});
  EXPECT_EQ(error("Publish",
                  {{"TopicArn", topic},
                   {"Message", "m"},
                   {"MessageAttributes", {{"AWS.reserved", {{"DataType", "String"}, {"StringValue", "x"}}}}}})
                .code,
            "InvalidParameterValueException");
}

TEST_F(PublishTest, UndeliverableSqsMessageGoesToDeadLetterQueue) {
  auto topic = create_topic("t");
  auto dlq = create_queue("dlq");
  auto queue_arn = std::string("arn:aws:sqs:us-east-1:123456789012:never-created");
  subscribe(topic, "sqs", queue_arn, {{"RedrivePolicy", R"({"deadLetterTargetArn":")" + dlq.arn + "\"}"}});
  ok("Publish", {{"TopicArn", topic}, {"Message", "lost?"}});
  auto bodies = drain(dlq.url);
  ASSERT_EQ(bodies.size(), 1u);
  EXPECT_EQ(json::parse(bodies[0]).as_object()["Message"].as_string(), "lost?");
}

}  // namespace
}  // namespace fanout::services::sns::testing
