// Standard-queue message semantics: visibility, delays, retention, limits, validation, receipt
// handles and receive-side attributes.
#include "common/crypto.h"
#include "sqs_fixture.h"

namespace fanout::services::sqs::testing {
namespace {

class SqsMessages : public SqsTest {};

TEST_F(SqsMessages, SendReceiveDelete) {
  auto url = create("basic");
  auto sent = send(url, "hello");
  EXPECT_EQ(sent.at("MessageId").as_string().size(), 36u);
  EXPECT_FALSE(sent.contains("SequenceNumber"));
  auto messages = receive(url);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].at("Body").as_string(), "hello");
  EXPECT_EQ(messages[0].at("MessageId"), sent.at("MessageId"));
  EXPECT_FALSE(messages[0].as_object().contains("Attributes"));
  remove(url, messages[0]);
  EXPECT_EQ(attribute(url, "ApproximateNumberOfMessages"), "0");
  EXPECT_EQ(attribute(url, "ApproximateNumberOfMessagesNotVisible"), "0");
  EXPECT_TRUE(receive(url).empty());
}

TEST_F(SqsMessages, VisibilityTimeoutDefaultPerReceiveAndChange) {
  auto url = create("visibility", {{"VisibilityTimeout", "10"}});
  send(url, "m");
  auto first = receive(url);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(attribute(url, "ApproximateNumberOfMessagesNotVisible"), "1");
  advance_seconds(9);
  EXPECT_TRUE(receive(url).empty());
  advance_seconds(1);
  auto second = receive(url, {{"VisibilityTimeout", 100}});
  ASSERT_EQ(second.size(), 1u);
  EXPECT_NE(second[0].at("ReceiptHandle"), first[0].at("ReceiptHandle"));  // fresh per receive
  advance_seconds(99);
  EXPECT_TRUE(receive(url).empty());
  // Extend from now, then make visible at once with 0.
  ok("ChangeMessageVisibility",
     {{"QueueUrl", url}, {"ReceiptHandle", second[0].at("ReceiptHandle")}, {"VisibilityTimeout", 50}});
  advance_seconds(49);
  EXPECT_TRUE(receive(url).empty());
  ok("ChangeMessageVisibility",
     {{"QueueUrl", url}, {"ReceiptHandle", second[0].at("ReceiptHandle")}, {"VisibilityTimeout", 0}});
  auto third = receive(url, {{"AttributeNames", json::array{"ApproximateReceiveCount"}}});
  ASSERT_EQ(third.size(), 1u);
  EXPECT_EQ(third[0].at("Attributes").at("ApproximateReceiveCount").as_string(), "3");
}

TEST_F(SqsMessages, VisibilityErrors) {
  auto url = create("vis-errors");
  send(url, "m");
  auto messages = receive(url, {{"VisibilityTimeout", 0}});  // visible again at once
  ASSERT_EQ(messages.size(), 1u);
  auto handle = messages[0].at("ReceiptHandle");
  EXPECT_EQ(error("ChangeMessageVisibility",
                  {{"QueueUrl", url}, {"ReceiptHandle", handle}, {"VisibilityTimeout", 5}})
                .code,
            "MessageNotInflight");
  auto again = receive(url, {{"VisibilityTimeout", 43200}});
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(error("ChangeMessageVisibility", {{"QueueUrl", url},
                                              {"ReceiptHandle", again[0].at("ReceiptHandle")},
                                              {"VisibilityTimeout", 43201}})
                .code,
            "InvalidParameterValue");
  EXPECT_EQ(error("ReceiveMessage", {{"QueueUrl", url}, {"VisibilityTimeout", 43201}}).code,
            "InvalidParameterValue");
  EXPECT_EQ(error("ReceiveMessage", {{"QueueUrl", url}, {"VisibilityTimeout", -1}}).code,
            "InvalidParameterValue");
  // At most 12 hours in flight counted from the receive.
  advance_seconds(100);
  ok("ChangeMessageVisibility",
     {{"QueueUrl", url}, {"ReceiptHandle", again[0].at("ReceiptHandle")}, {"VisibilityTimeout", 43100}});
  EXPECT_EQ(error("ChangeMessageVisibility", {{"QueueUrl", url},
                                              {"ReceiptHandle", again[0].at("ReceiptHandle")},
                                              {"VisibilityTimeout", 43101}})
                .code,
            "InvalidParameterValue");
  remove(url, again[0]);
  EXPECT_EQ(
      error("ChangeMessageVisibility",
            {{"QueueUrl", url}, {"ReceiptHandle", again[0].at("ReceiptHandle")}, {"VisibilityTimeout", 5}})
          .code,
      "MessageNotInflight");
}

TEST_F(SqsMessages, QueueAndMessageDelays) {
  auto url = create("delayed", {{"DelaySeconds", "5"}});
  send(url, "queue-delay");
  send(url, "own-delay", {{"DelaySeconds", 20}});
  send(url, "no-delay", {{"DelaySeconds", 0}});
  EXPECT_EQ(attribute(url, "ApproximateNumberOfMessagesDelayed"), "2");
  EXPECT_EQ(bodies(receive(url, {{"MaxNumberOfMessages", 10}})), std::vector<std::string>{"no-delay"});
  advance_seconds(5);
  EXPECT_EQ(bodies(receive(url, {{"MaxNumberOfMessages", 10}})), std::vector<std::string>{"queue-delay"});
  advance_seconds(14);
  EXPECT_TRUE(receive(url).empty());
  advance_seconds(1);
  EXPECT_EQ(bodies(receive(url)), std::vector<std::string>{"own-delay"});
  EXPECT_EQ(error("SendMessage", {{"QueueUrl", url}, {"MessageBody", "x"}, {"DelaySeconds", 901}}).code,
            "InvalidParameterValue");
  EXPECT_EQ(error("SendMessage", {{"QueueUrl", url}, {"MessageBody", "x"}, {"DelaySeconds", -1}}).code,
            "InvalidParameterValue");
}

TEST_F(SqsMessages, RetentionExpiresMessages) {
  auto url = create("short-lived", {{"MessageRetentionPeriod", "60"}});
  send(url, "old");
  advance_seconds(30);
  send(url, "young");
  auto inflight = receive(url);  // "old", in flight when it expires: still expires
  ASSERT_EQ(bodies(inflight), std::vector<std::string>{"old"});
  advance_seconds(31);
  EXPECT_EQ(attribute(url, "ApproximateNumberOfMessagesNotVisible"), "0");
  EXPECT_EQ(bodies(receive(url, {{"MaxNumberOfMessages", 10}})), std::vector<std::string>{"young"});
  // Deleting an expired message's handle succeeds (nothing left to delete).
  remove(url, inflight[0]);
}

TEST_F(SqsMessages, MaxNumberOfMessages) {
  auto url = create("many");
  for (int i = 0; i < 15; ++i) send(url, std::to_string(i));
  EXPECT_EQ(receive(url).size(), 1u);
  EXPECT_EQ(receive(url, {{"MaxNumberOfMessages", 10}}).size(), 10u);
  EXPECT_EQ(receive(url, {{"MaxNumberOfMessages", 10}}).size(), 4u);
  EXPECT_EQ(error("ReceiveMessage", {{"QueueUrl", url}, {"MaxNumberOfMessages", 11}}).code,
            "InvalidParameterValue");
  EXPECT_EQ(error("ReceiveMessage", {{"QueueUrl", url}, {"MaxNumberOfMessages", 0}}).code,
            "InvalidParameterValue");
  EXPECT_EQ(error("ReceiveMessage", {{"QueueUrl", url}, {"WaitTimeSeconds", 21}}).code,
            "InvalidParameterValue");
}

TEST_F(SqsMessages, OldestFirst) {
  auto url = create("ordered");
  for (int i = 0; i < 5; ++i) send(url, std::to_string(i));
  auto first = receive(url, {{"MaxNumberOfMessages", 2}, {"VisibilityTimeout", 5}});
  EXPECT_EQ(bodies(first), (std::vector<std::string>{"0", "1"}));
  EXPECT_EQ(bodies(receive(url)), std::vector<std::string>{"2"});
  advance_seconds(5);  // 0 and 1 come back ahead of 3 and 4
  EXPECT_EQ(bodies(receive(url, {{"MaxNumberOfMessages", 10}})),
            (std::vector<std::string>{"0", "1", "3", "4"}));
}

TEST_F(SqsMessages, BodyCharacters) {
  auto url = create("chars");
  send(url, "tab\there\nnewline\r\xE2\x98\x83 \xF0\x9F\x98\x80 \xEE\x80\x80");
  auto e = error("SendMessage", {{"QueueUrl", url}, {"MessageBody", std::string("bad\x01", 4)}});
  EXPECT_EQ(e.code, "InvalidMessageContents");
  EXPECT_NE(e.message.find("#x1"), std::string::npos);
  EXPECT_EQ(error("SendMessage", {{"QueueUrl", url}, {"MessageBody", "\xEF\xBF\xBF"}}).code,
            "InvalidMessageContents");  // U+FFFF
  EXPECT_EQ(error("SendMessage", {{"QueueUrl", url}, {"MessageBody", "\xC3"}}).code,
            "InvalidMessageContents");
  EXPECT_EQ(error("SendMessage", {{"QueueUrl", url}, {"MessageBody", ""}}).code, "MissingParameter");
  EXPECT_EQ(attribute(url, "ApproximateNumberOfMessages"), "1");
}

TEST_F(SqsMessages, SizeLimitCountsBodyAndAttributes) {
  auto url = create("sized", {{"MaximumMessageSize", "1024"}});
  send(url, std::string(1024, 'a'));
  EXPECT_EQ(error("SendMessage", {{"QueueUrl", url}, {"MessageBody", std::string(1025, 'a')}}).code,
            "InvalidParameterValue");
  // 1000 + "name"(4) + "String"(6) + 14 = 1024 fits; one more byte does not.
  json::object attrs{{"name", {{"DataType", "String"}, {"StringValue", std::string(14, 'v')}}}};
  send(url, std::string(1000, 'b'), {{"MessageAttributes", attrs}});
  attrs["name"].as_object()["StringValue"] = std::string(15, 'v');
  EXPECT_EQ(error("SendMessage",
                  {{"QueueUrl", url}, {"MessageBody", std::string(1000, 'b')}, {"MessageAttributes", attrs}})
                .code,
            "InvalidParameterValue");
  // The default allows 1 MiB.
  auto big = create("big");
  send(big, std::string(1048576, 'x'));
  EXPECT_EQ(error("SendMessage", {{"QueueUrl", big}, {"MessageBody", std::string(1048577, 'x')}}).code,
            "InvalidParameterValue");
  auto got = receive(big);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].at("Body").as_string().size(), 1048576u);
}

TEST_F(SqsMessages, MessageAttributeValidation) {
  auto url = create("attrs");
  auto bad = [&](json::object attrs) {
    return error("SendMessage", {{"QueueUrl", url}, {"MessageBody", "x"}, {"MessageAttributes", attrs}});
  };
  json::object eleven;
  for (int i = 0; i < 11; ++i)
    eleven["a" + std::to_string(i)] = {{"DataType", "String"}, {"StringValue", "v"}};
  EXPECT_EQ(bad(eleven).code, "InvalidParameterValue");
  EXPECT_EQ(bad({{"n", {{"DataType", "Strin"}, {"StringValue", "v"}}}}).code, "InvalidParameterValue");
  EXPECT_EQ(bad({{"n", {{"DataType", "String"}, {"StringValue", ""}}}}).code, "InvalidParameterValue");
  EXPECT_EQ(bad({{"n", {{"DataType", "Number"}, {"StringValue", "12a"}}}}).code, "InvalidParameterValue");
  EXPECT_EQ(bad({{"n", {{"DataType", "Binary"}, {"StringValue", "v"}}}}).code, "InvalidParameterValue");
  EXPECT_EQ(bad({{"AWS.reserved", {{"DataType", "String"}, {"StringValue", "v"}}}}).code,
            "InvalidParameterValue");
  EXPECT_EQ(bad({{".dot", {{"DataType", "String"}, {"StringValue", "v"}}}}).code, "InvalidParameterValue");
  EXPECT_EQ(bad({{"a..b", {{"DataType", "String"}, {"StringValue", "v"}}}}).code, "InvalidParameterValue");
  EXPECT_EQ(bad({{"n", {{"StringValue", "v"}}}}).code, "InvalidParameterValue");
  EXPECT_EQ(error("SendMessage",
                  {{"QueueUrl", url},
                   {"MessageBody", "x"},
                   {"MessageSystemAttributes", {{"Other", {{"DataType", "String"}, {"StringValue", "v"}}}}}})
                .code,
            "InvalidParameterValue");
  json::object ten;
  for (int i = 0; i < 10; ++i)
    ten["a" + std::to_string(i)] = {{"DataType", "Number.int"}, {"StringValue", "-1.5e3"}};
  send(url, "ok", {{"MessageAttributes", ten}});
  EXPECT_EQ(attribute(url, "ApproximateNumberOfMessages"), "1");  // nothing stored by the failures
}

TEST_F(SqsMessages, MessageAttributeSelection) {
  auto url = create("select");
  json::object attrs{{"color", {{"DataType", "String"}, {"StringValue", "red"}}},
                     {"shape.kind", {{"DataType", "String"}, {"StringValue", "round"}}},
                     {"shape.size", {{"DataType", "Number"}, {"StringValue", "3"}}}};
  auto names_for = [&](json::array requested) {
    send(url, "m", {{"MessageAttributes", attrs}});
    auto got = receive(url, {{"MessageAttributeNames", requested}});
    std::vector<std::string> names;
    if (got.size() == 1 && got[0].as_object().contains("MessageAttributes")) {
      for (const auto& kv : got[0].at("MessageAttributes").as_object()) names.emplace_back(kv.key());
    }
    if (got.size() == 1) remove(url, got[0]);
    std::sort(names.begin(), names.end());
    return names;
  };
  EXPECT_EQ(names_for({"All"}), (std::vector<std::string>{"color", "shape.kind", "shape.size"}));
  EXPECT_EQ(names_for({".*"}).size(), 3u);
  EXPECT_EQ(names_for({"shape.*"}), (std::vector<std::string>{"shape.kind", "shape.size"}));
  EXPECT_EQ(names_for({"color", "missing"}), std::vector<std::string>{"color"});
  EXPECT_TRUE(names_for({}).empty());
}

TEST_F(SqsMessages, SystemAttributesOnReceive) {
  auto url = create("system");
  const auto sent_at = clock_.now_ms();
  send(url, "m", {{"MessageGroupId", "tenant-1"}});  // fair queue group on a standard queue
  advance_seconds(2);
  auto got = receive(url, {{"AttributeNames", json::array{"All"}}});
  ASSERT_EQ(got.size(), 1u);
  const auto& a = got[0].at("Attributes").as_object();
  EXPECT_EQ(a.at("SentTimestamp").as_string(), std::to_string(sent_at));
  EXPECT_EQ(a.at("ApproximateReceiveCount").as_string(), "1");
  EXPECT_EQ(a.at("ApproximateFirstReceiveTimestamp").as_string(), std::to_string(sent_at + 2000));
  EXPECT_EQ(a.at("SenderId").as_string(), "AKIDTEST1234");
  EXPECT_EQ(a.at("MessageGroupId").as_string(), "tenant-1");
  EXPECT_FALSE(a.contains("SequenceNumber"));
  ok("ChangeMessageVisibility",
     {{"QueueUrl", url}, {"ReceiptHandle", got[0].at("ReceiptHandle")}, {"VisibilityTimeout", 0}});
  auto again = receive(
      url, {{"MessageSystemAttributeNames", json::array{"ApproximateReceiveCount", "SentTimestamp"}}});
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].at("Attributes").as_object().size(), 2u);
  EXPECT_EQ(again[0].at("Attributes").at("ApproximateReceiveCount").as_string(), "2");
  EXPECT_EQ(error("ReceiveMessage", {{"QueueUrl", url}, {"AttributeNames", json::array{"Bogus"}}}).code,
            "InvalidAttributeName");
  EXPECT_EQ(
      error("SendMessage", {{"QueueUrl", url}, {"MessageBody", "x"}, {"MessageDeduplicationId", "d"}}).code,
      "InvalidParameterValue");
}

TEST_F(SqsMessages, ReceiptHandles) {
  auto url = create("handles");
  auto other = create("other-queue");
  send(url, "m");
  auto got = receive(url, {{"VisibilityTimeout", 0}});
  ASSERT_EQ(got.size(), 1u);
  std::string handle(got[0].at("ReceiptHandle").as_string());
  // Forged or altered handles.
  for (std::string forged : {std::string("garbage"), std::string(),
                             handle.substr(0, handle.size() - 2) + "AA", std::string("AQEB") + handle}) {
    if (forged.empty()) continue;
    EXPECT_EQ(error("DeleteMessage", {{"QueueUrl", url}, {"ReceiptHandle", forged}}).code,
              "ReceiptHandleIsInvalid")
        << forged;
  }
  std::string flipped = handle;
  flipped[5] = flipped[5] == 'A' ? 'B' : 'A';
  EXPECT_EQ(error("DeleteMessage", {{"QueueUrl", url}, {"ReceiptHandle", flipped}}).code,
            "ReceiptHandleIsInvalid");
  // A valid handle of another queue.
  EXPECT_EQ(error("DeleteMessage", {{"QueueUrl", other}, {"ReceiptHandle", handle}}).code,
            "ReceiptHandleIsInvalid");
  EXPECT_EQ(error("ChangeMessageVisibility",
                  {{"QueueUrl", url}, {"ReceiptHandle", "nope"}, {"VisibilityTimeout", 1}})
                .code,
            "ReceiptHandleIsInvalid");

  // A stale handle (the message was received again since) still deletes on a standard queue.
  auto second = receive(url);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_NE(second[0].at("ReceiptHandle").as_string(), handle);
  ok("DeleteMessage", {{"QueueUrl", url}, {"ReceiptHandle", handle}});
  EXPECT_EQ(attribute(url, "ApproximateNumberOfMessagesNotVisible"), "0");
  // Deleting again (either handle) succeeds.
  ok("DeleteMessage", {{"QueueUrl", url}, {"ReceiptHandle", handle}});
  remove(url, second[0]);
}

TEST_F(SqsMessages, MissingQueueUrlAndUnknownAction) {
  EXPECT_EQ(error("SendMessage", {{"MessageBody", "x"}}).code, "MissingParameter");
  EXPECT_EQ(error("Frobnicate", {}).code, "InvalidAction");
}

}  // namespace
}  // namespace fanout::services::sqs::testing
