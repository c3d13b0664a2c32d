// FIFO queues: per-group order, group locking, deduplication, receive attempts, sequence numbers.
#include "sqs_fixture.h"

namespace fanout::services::sqs::testing {
namespace {

class SqsFifo : public SqsTest {
 protected:
  json::object send_fifo(const std::string& url, const std::string& body, const std::string& group,
                         const std::string& dedup = "") {
    json::object extra{{"MessageGroupId", group}};
    extra["MessageDeduplicationId"] = dedup.empty() ? body : dedup;
    return send(url, body, extra);
  }
};

TEST_F(SqsFifo, OrderWithinGroupsAndGroupLocking) {
  auto url = create_fifo("orders.fifo");
  send_fifo(url, "a1", "A");
  send_fifo(url, "b1", "B");
  send_fifo(url, "a2", "A");
  send_fifo(url, "a3", "A");
  send_fifo(url, "b2", "B");
  // One receive of 2: the oldest group first, consecutive messages of that group.
  auto first = receive(url, {{"MaxNumberOfMessages", 2}});
  EXPECT_EQ(bodies(first), (std::vector<std::string>{"a1", "a2"}));
  // Group A is locked while a1/a2 are in flight; B is served.
  auto second = receive(url, {{"MaxNumberOfMessages", 10}});
  EXPECT_EQ(bodies(second), (std::vector<std::string>{"b1", "b2"}));
  EXPECT_TRUE(receive(url, {{"MaxNumberOfMessages", 10}}).empty());
  remove(url, first[0]);
  EXPECT_TRUE(receive(url).empty());  // a2 still in flight
  remove(url, first[1]);
  EXPECT_EQ(bodies(receive(url, {{"MaxNumberOfMessages", 10}})), std::vector<std::string>{"a3"});
}

TEST_F(SqsFifo, VisibilityTimeoutReturnsGroupInOrder) {
  auto url = create_fifo("retry.fifo", {{"VisibilityTimeout", "10"}});
  send_fifo(url, "1", "g");
  send_fifo(url, "2", "g");
  EXPECT_EQ(bodies(receive(url)), std::vector<std::string>{"1"});
  EXPECT_TRUE(receive(url).empty());
  advance_seconds(10);
  auto again = receive(url, {{"MaxNumberOfMessages", 10}, {"AttributeNames", json::array{"All"}}});
  ASSERT_EQ(bodies(again), (std::vector<std::string>{"1", "2"}));
  const auto& a = again[0].at("Attributes").as_object();
  EXPECT_EQ(a.at("ApproximateReceiveCount").as_string(), "2");
  EXPECT_EQ(a.at("MessageGroupId").as_string(), "g");
  EXPECT_EQ(a.at("MessageDeduplicationId").as_string(), "1");
  EXPECT_EQ(a.at("SequenceNumber").as_string().size(), 20u);
  EXPECT_LT(a.at("SequenceNumber").as_string(), again[1].at("Attributes").at("SequenceNumber").as_string());
}

TEST_F(SqsFifo, DeduplicationWithinFiveMinutes) {
  auto url = create_fifo("dedup.fifo");
  auto first = send_fifo(url, "x", "g", "id-1");
  EXPECT_EQ(first.at("SequenceNumber").as_string().size(), 20u);
  auto duplicate = send_fifo(url, "different body", "g", "id-1");
  EXPECT_EQ(duplicate.at("MessageId"), first.at("MessageId"));
  EXPECT_EQ(duplicate.at("SequenceNumber"), first.at("SequenceNumber"));
  EXPECT_EQ(attribute(url, "ApproximateNumberOfMessages"), "1");
  // Still deduplicated after the message was received and deleted.
  remove(url, receive(url)[0]);
  send_fifo(url, "x", "g", "id-1");
  EXPECT_TRUE(receive(url).empty());
  advance_seconds(std::int64_t{5} * 60);
  send_fifo(url, "x", "g", "id-1");
  EXPECT_EQ(bodies(receive(url)), std::vector<std::string>{"x"});
}

TEST_F(SqsFifo, ContentBasedDeduplication) {
  auto url = create_fifo("cbd.fifo", {{"ContentBasedDeduplication", "true"}});
  auto first = send(url, "same", {{"MessageGroupId", "g"}});
  auto second = send(url, "same", {{"MessageGroupId", "g"}});
  EXPECT_EQ(first.at("MessageId"), second.at("MessageId"));
  send(url, "other", {{"MessageGroupId", "g"}});
  // An explicit id equal to the content hash is a duplicate too (sha256("same")).
  send(url, "third",
       {{"MessageGroupId", "g"},
        {"MessageDeduplicationId", "0967115f2813a3541eaef77de9d9d5773f1c0c04314b0bbfe4ff3b3b1c55b5d5"}});
  auto got =
      receive(url, {{"MaxNumberOfMessages", 10}, {"AttributeNames", json::array{"MessageDeduplicationId"}}});
  EXPECT_EQ(bodies(got), (std::vector<std::string>{"same", "other"}));
  EXPECT_EQ(got[0].at("Attributes").at("MessageDeduplicationId").as_string(),
            "0967115f2813a3541eaef77de9d9d5773f1c0c04314b0bbfe4ff3b3b1c55b5d5");
}

TEST_F(SqsFifo, DeduplicationScopeMessageGroup) {
  auto url = create_fifo("scoped.fifo", {{"DeduplicationScope", "messageGroup"}});
  send_fifo(url, "a", "g1", "same-id");
  send_fifo(url, "b", "g2", "same-id");  // other group: not a duplicate
  send_fifo(url, "c", "g1", "same-id");  // same group: duplicate
  EXPECT_EQ(attribute(url, "ApproximateNumberOfMessages"), "2");
}

TEST_F(SqsFifo, FifoSendErrors) {
  auto url = create_fifo("errors.fifo");
  EXPECT_EQ(
      error("SendMessage", {{"QueueUrl", url}, {"MessageBody", "x"}, {"MessageDeduplicationId", "d"}}).code,
      "MissingParameter");
  EXPECT_EQ(error("SendMessage", {{"QueueUrl", url}, {"MessageBody", "x"}, {"MessageGroupId", "g"}}).code,
            "InvalidParameterValue");
  EXPECT_EQ(error("SendMessage", {{"QueueUrl", url},
                                  {"MessageBody", "x"},
                                  {"MessageGroupId", "g"},
                                  {"MessageDeduplicationId", "d"},
                                  {"DelaySeconds", 5}})
                .code,
            "InvalidParameterValue");
  EXPECT_EQ(error("SendMessage", {{"QueueUrl", url},
                                  {"MessageBody", "x"},
                                  {"MessageGroupId", "has space"},
                                  {"MessageDeduplicationId", "d"}})
                .code,
            "InvalidParameterValue");
  EXPECT_EQ(error("SendMessage", {{"QueueUrl", url},
                                  {"MessageBody", "x"},
                                  {"MessageGroupId", "g"},
                                  {"MessageDeduplicationId", std::string(129, 'd')}})
                .code,
            "InvalidParameterValue");
}

TEST_F(SqsFifo, QueueDelayAppliesToFifo) {
  auto url = create_fifo("slow.fifo", {{"DelaySeconds", "3"}});
  send_fifo(url, "1", "g");
  EXPECT_TRUE(receive(url).empty());
  advance_seconds(3);
  EXPECT_EQ(bodies(receive(url)), std::vector<std::string>{"1"});
}

TEST_F(SqsFifo, ReceiveRequestAttemptIdReplaysTheSameMessages) {
  auto url = create_fifo("attempts.fifo", {{"VisibilityTimeout", "30"}});
  for (auto body : {"1", "2", "3"}) send_fifo(url, body, "g");
  auto first = receive(url, {{"MaxNumberOfMessages", 2}, {"ReceiveRequestAttemptId", "attempt-1"}});
  ASSERT_EQ(bodies(first), (std::vector<std::string>{"1", "2"}));
  advance_seconds(20);
  auto retry = receive(url, {{"MaxNumberOfMessages", 2}, {"ReceiveRequestAttemptId", "attempt-1"}});
  ASSERT_EQ(retry.size(), 2u);
  EXPECT_EQ(retry[0].at("ReceiptHandle"), first[0].at("ReceiptHandle"));
  EXPECT_EQ(retry[1].at("ReceiptHandle"), first[1].at("ReceiptHandle"));
  // The retry restarted the visibility timeout.
  advance_seconds(20);
  EXPECT_TRUE(receive(url).empty());
  // A different attempt id gets nothing (the group is locked).
  EXPECT_TRUE(receive(url, {{"ReceiveRequestAttemptId", "attempt-2"}}).empty());
  // Once a message was deleted the attempt cannot be replayed.
  remove(url, first[0]);
  EXPECT_TRUE(receive(url, {{"MaxNumberOfMessages", 2}, {"ReceiveRequestAttemptId", "attempt-1"}}).empty());
}

TEST_F(SqsFifo, StaleHandleHasExpiredOnFifo) {
  auto url = create_fifo("stale.fifo", {{"VisibilityTimeout", "5"}});
  send_fifo(url, "1", "g");
  auto first = receive(url);
  advance_seconds(5);
  auto second = receive(url);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(error("DeleteMessage", {{"QueueUrl", url}, {"ReceiptHandle", first[0].at("ReceiptHandle")}}).code,
            "InvalidParameterValue");
  remove(url, second[0]);
}

TEST_F(SqsFifo, SendBatchKeepsOrder) {
  auto url = create_fifo("batch.fifo", {{"ContentBasedDeduplication", "true"}});
  json::array entries;
  for (int i = 0; i < 5; ++i) {
    entries.push_back(
        {{"Id", "e" + std::to_string(i)}, {"MessageBody", "m" + std::to_string(i)}, {"MessageGroupId", "g"}});
  }
  auto out = ok("SendMessageBatch", {{"QueueUrl", url}, {"Entries", entries}});
  ASSERT_EQ(out.at("Successful").as_array().size(), 5u);
  EXPECT_TRUE(out.at("Successful").as_array()[0].as_object().contains("SequenceNumber"));
  EXPECT_EQ(bodies(receive(url, {{"MaxNumberOfMessages", 10}})),
            (std::vector<std::string>{"m0", "m1", "m2", "m3", "m4"}));
}

}  // namespace
}  // namespace fanout::services::sqs::testing
