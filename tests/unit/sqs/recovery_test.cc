// Durability: state written with fsync survives closing and reopening the store and engine.
#include "sqs_fixture.h"

namespace fanout::services::sqs::testing {
namespace {

class SqsRecovery : public SqsTest {
 protected:
  void SetUp() override { open(store::Durability::fsync, dir_.path()); }
  void reopen() {
    close();
    open(store::Durability::fsync, dir_.path());
  }
  TempDir dir_;  // declared before the store (destroyed after it)
};

TEST_F(SqsRecovery, MessagesAndInflightStateSurviveReopen) {
  auto url = create("durable", {{"VisibilityTimeout", "60"}, {"DelaySeconds", "0"}});
  ok("TagQueue", {{"QueueUrl", url}, {"Tags", {{"team", "orders"}}}});
  ok("AddPermission", {{"QueueUrl", url},
                       {"Label", "l"},
                       {"AWSAccountIds", json::array{kOtherAccount}},
                       {"Actions", json::array{"SendMessage"}}});
  for (int i = 0; i < 5; ++i) send(url, "m" + std::to_string(i));
  send(url, "delayed", {{"DelaySeconds", 100}});
  auto inflight = receive(url, {{"MaxNumberOfMessages", 2}});  // m0, m1 in flight for 60 s
  ASSERT_EQ(bodies(inflight), (std::vector<std::string>{"m0", "m1"}));
  auto deleted = receive(url);  // m2, deleted
  remove(url, deleted[0]);
  const std::string old_handle(inflight[1].at("ReceiptHandle").as_string());

  reopen();

  EXPECT_EQ(attribute(url, "VisibilityTimeout"), "60");
  EXPECT_EQ(ok("ListQueueTags", {{"QueueUrl", url}}).at("Tags").at("team").as_string(), "orders");
  EXPECT_NE(attribute(url, "Policy").find("210987654321"), std::string::npos);
  EXPECT_EQ(attribute(url, "ApproximateNumberOfMessages"), "2");
  EXPECT_EQ(attribute(url, "ApproximateNumberOfMessagesNotVisible"), "2");
  EXPECT_EQ(attribute(url, "ApproximateNumberOfMessagesDelayed"), "1");
  EXPECT_EQ(bodies(receive(url, {{"MaxNumberOfMessages", 10}, {"VisibilityTimeout", 0}})),
            (std::vector<std::string>{"m3", "m4"}));
  // In flight until their deadline, then back with their receive count.
  advance_seconds(59);
  EXPECT_EQ(bodies(receive(url, {{"MaxNumberOfMessages", 10}, {"VisibilityTimeout", 0}})),
            (std::vector<std::string>{"m3", "m4"}));
  advance_seconds(1);
  auto back =
      receive(url, {{"MaxNumberOfMessages", 10}, {"AttributeNames", json::array{"ApproximateReceiveCount"}}});
  ASSERT_EQ(bodies(back), (std::vector<std::string>{"m0", "m1", "m3", "m4"}));
  EXPECT_EQ(back[0].at("Attributes").at("ApproximateReceiveCount").as_string(), "2");
  EXPECT_EQ(back[2].at("Attributes").at("ApproximateReceiveCount").as_string(), "3");
  // A handle issued before the restart still works (stale but valid: deletes on standard queues).
  ok("DeleteMessage", {{"QueueUrl", url}, {"ReceiptHandle", old_handle}});
  for (int i = 0; i < 4; ++i) {
    if (back[i].at("Body").as_string() != "m1") remove(url, back[i]);
  }
  advance_seconds(100);
  EXPECT_EQ(bodies(receive(url)), std::vector<std::string>{"delayed"});

  // New sends after the restart do not collide with anything.
  send(url, "new");
  reopen();
  EXPECT_EQ(attribute(url, "ApproximateNumberOfMessages"), "1");
  EXPECT_EQ(attribute(url, "ApproximateNumberOfMessagesNotVisible"), "1");  // "delayed", in flight
  EXPECT_EQ(bodies(receive(url)), std::vector<std::string>{"new"});
}

TEST_F(SqsRecovery, FifoOrderAndDeduplicationSurvive) {
  auto url = create_fifo("durable.fifo");
  auto first = send(url, "1", {{"MessageGroupId", "g"}, {"MessageDeduplicationId", "d1"}});
  send(url, "2", {{"MessageGroupId", "g"}, {"MessageDeduplicationId", "d2"}});
  auto got = receive(url);  // "1" in flight: group locked
  reopen();
  EXPECT_TRUE(receive(url).empty());
  auto again = send(url, "1 again", {{"MessageGroupId", "g"}, {"MessageDeduplicationId", "d1"}});
  EXPECT_EQ(again.at("MessageId"), first.at("MessageId"));
  auto later = send(url, "3", {{"MessageGroupId", "g"}, {"MessageDeduplicationId", "d3"}});
  EXPECT_GT(later.at("SequenceNumber").as_string(), first.at("SequenceNumber").as_string());
  remove(url, got[0]);
  EXPECT_EQ(bodies(receive(url, {{"MaxNumberOfMessages", 10}})), (std::vector<std::string>{"2", "3"}));
}

TEST_F(SqsRecovery, PurgedAndDeletedStayGone) {
  auto purged = create("purged");
  auto doomed = create("doomed");
  for (int i = 0; i < 3; ++i) {
    send(purged, "p");
    send(doomed, "d");
  }
  ok("PurgeQueue", {{"QueueUrl", purged}});
  ok("DeleteQueue", {{"QueueUrl", doomed}});
  reopen();
  EXPECT_EQ(attribute(purged, "ApproximateNumberOfMessages"), "0");
  EXPECT_EQ(error("GetQueueUrl", {{"QueueName", "doomed"}}).code, "QueueDoesNotExist");
  advance_seconds(61);
  auto recreated = create("doomed");
  EXPECT_TRUE(receive(recreated).empty());
  send(purged, "after");
  EXPECT_EQ(bodies(receive(purged)), std::vector<std::string>{"after"});
}

TEST_F(SqsRecovery, DeadLetterStateAndTasksSurvive) {
  auto dlq = create("r-dlq");
  auto source = create("r-src", {{"VisibilityTimeout", "0"}});
  ok("SetQueueAttributes",
     {{"QueueUrl", source},
      {"Attributes",
       {{"RedrivePolicy", R"({"deadLetterTargetArn":")" + arn_of(dlq) + R"(","maxReceiveCount":2})"}}}});
  send(source, "poison");
  receive(source);
  reopen();
  receive(source);                       // receive count 2 (survived)
  EXPECT_TRUE(receive(source).empty());  // moved
  EXPECT_EQ(attribute(dlq, "ApproximateNumberOfMessages"), "1");
  ok("StartMessageMoveTask", {{"SourceArn", arn_of(dlq)}});
  for (int i = 0; i < 100 && attribute(source, "ApproximateNumberOfMessages") != "1"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  engine_->stop();
  store_->flush();
  reopen();
  auto tasks = ok("ListMessageMoveTasks", {{"SourceArn", arn_of(dlq)}}).at("Results").as_array();
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_EQ(tasks[0].at("ApproximateNumberOfMessagesMoved").as_int64(), 1);
  EXPECT_EQ(attribute(source, "ApproximateNumberOfMessages"), "1");
}

}  // namespace
}  // namespace fanout::services::sqs::testing
