// Dead-letter queues (RedrivePolicy, RedriveAllowPolicy) and message move tasks.
#include <thread>

#include "sqs_fixture.h"

namespace fanout::services::sqs::testing {
namespace {

class SqsDeadLetters : public SqsTest {
 protected:
  std::string redrive(const std::string& dlq_url, int max_receive_count) {
    return R"({"deadLetterTargetArn":")" + arn_of(dlq_url) + R"(","maxReceiveCount":")" +
           std::to_string(max_receive_count) + R"("})";
  }

  // Waits (real time) for a move task to leave RUNNING.
  json::object wait_for_task(const std::string& source_arn, const std::string& status = "COMPLETED") {
    json::object last;
    for (int i = 0; i < 200; ++i) {
      auto out = ok("ListMessageMoveTasks", {{"SourceArn", source_arn}});
      const auto& results = out.at("Results").as_array();
      if (!results.empty()) {
        last = results[0].as_object();
        if (last.at("Status").as_string() == status) return last;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ADD_FAILURE() << "task did not reach " << status << ": " << json::serialize(last);
    return last;
  }
};

TEST_F(SqsDeadLetters, MovesAfterMaxReceiveCount) {
  auto dlq = create("orders-dlq");
  auto source = create("orders", {{"VisibilityTimeout", "0"}});
  ok("SetQueueAttributes", {{"QueueUrl", source}, {"Attributes", {{"RedrivePolicy", redrive(dlq, 2)}}}});
  EXPECT_EQ(attribute(source, "RedrivePolicy"),
            R"({"deadLetterTargetArn":"arn:aws:sqs:us-east-1:123456789012:orders-dlq","maxReceiveCount":2})");
  send(source, "poison");
  EXPECT_EQ(receive(source).size(), 1u);
  EXPECT_EQ(receive(source).size(), 1u);
  EXPECT_TRUE(receive(source).empty());  // third receive: moved instead
  EXPECT_EQ(attribute(source, "ApproximateNumberOfMessages"), "0");
  auto dead = receive(dlq, {{"AttributeNames", json::array{"All"}}});
  ASSERT_EQ(bodies(dead), std::vector<std::string>{"poison"});
  const auto& a = dead[0].at("Attributes").as_object();
  EXPECT_EQ(a.at("DeadLetterQueueSourceArn").as_string(), arn_of(source));
  EXPECT_EQ(a.at("ApproximateReceiveCount").as_string(), "3");  // counted across queues

  auto sources = ok("ListDeadLetterSourceQueues", {{"QueueUrl", dlq}});
  ASSERT_EQ(sources.at("queueUrls").as_array().size(), 1u);
  EXPECT_EQ(sources.at("queueUrls").as_array()[0].as_string(), source);
  EXPECT_TRUE(ok("ListDeadLetterSourceQueues", {{"QueueUrl", source}}).at("queueUrls").as_array().empty());
}

TEST_F(SqsDeadLetters, FifoDeadLetterQueue) {
  auto dlq = create_fifo("dlq.fifo");
  auto source = create_fifo("src.fifo", {{"VisibilityTimeout", "0"}});
  ok("SetQueueAttributes", {{"QueueUrl", source}, {"Attributes", {{"RedrivePolicy", redrive(dlq, 1)}}}});
  send(source, "first", {{"MessageGroupId", "g"}, {"MessageDeduplicationId", "1"}});
  send(source, "second", {{"MessageGroupId", "g"}, {"MessageDeduplicationId", "2"}});
  EXPECT_EQ(bodies(receive(source)), std::vector<std::string>{"first"});
  // "first" goes to the DLQ; the group continues with "second".
  EXPECT_EQ(bodies(receive(source)), std::vector<std::string>{"second"});
  auto dead = receive(dlq, {{"AttributeNames", json::array{"MessageGroupId"}}});
  ASSERT_EQ(bodies(dead), std::vector<std::string>{"first"});
  EXPECT_EQ(dead[0].at("Attributes").at("MessageGroupId").as_string(), "g");
}

TEST_F(SqsDeadLetters, RedrivePolicyValidation) {
  auto standard_dlq = create("std-dlq");
  auto fifo_dlq = create_fifo("f-dlq.fifo");
  auto source = create("src");
  auto bad = [&](const std::string& policy) {
    return error("SetQueueAttributes", {{"QueueUrl", source}, {"Attributes", {{"RedrivePolicy", policy}}}});
  };
  EXPECT_EQ(bad("not json").code, "InvalidParameterValue");
  EXPECT_EQ(bad(R"({"maxReceiveCount":3})").code, "InvalidParameterValue");
  EXPECT_EQ(
      bad(R"({"deadLetterTargetArn":"arn:aws:sqs:us-east-1:123456789012:missing","maxReceiveCount":3})").code,
      "InvalidParameterValue");
  EXPECT_EQ(bad(redrive(standard_dlq, 0)).code, "InvalidParameterValue");
  EXPECT_EQ(bad(redrive(standard_dlq, 1001)).code, "InvalidParameterValue");
  EXPECT_EQ(bad(redrive(fifo_dlq, 3)).code, "InvalidParameterValue");  // type mismatch
  // The DLQ's RedriveAllowPolicy decides who may use it.
  ok("SetQueueAttributes", {{"QueueUrl", standard_dlq},
                            {"Attributes", {{"RedriveAllowPolicy", R"({"redrivePermission":"denyAll"})"}}}});
  EXPECT_EQ(bad(redrive(standard_dlq, 3)).code, "InvalidParameterValue");
  ok("SetQueueAttributes",
     {{"QueueUrl", standard_dlq},
      {"Attributes",
       {{"RedriveAllowPolicy",
         R"({"redrivePermission":"byQueue","sourceQueueArns":[")" + arn_of(source) + R"("]})"}}}});
  ok("SetQueueAttributes",
     {{"QueueUrl", source}, {"Attributes", {{"RedrivePolicy", redrive(standard_dlq, 3)}}}});
  // An empty value removes the policy.
  ok("SetQueueAttributes", {{"QueueUrl", source}, {"Attributes", {{"RedrivePolicy", ""}}}});
  EXPECT_EQ(attribute(source, "RedrivePolicy"), "<absent>");
}

TEST_F(SqsDeadLetters, MoveTaskBackToSources) {
  auto dlq = create("mt-dlq");
  auto a = create("mt-a", {{"VisibilityTimeout", "0"}});
  auto b = create("mt-b", {{"VisibilityTimeout", "0"}});
  for (const auto& q : {a, b}) {
    ok("SetQueueAttributes", {{"QueueUrl", q}, {"Attributes", {{"RedrivePolicy", redrive(dlq, 1)}}}});
  }
  send(a, "from-a");
  send(b, "from-b");
  for (const auto& q : {a, b}) {
    receive(q);
    EXPECT_TRUE(receive(q).empty());
  }
  EXPECT_EQ(attribute(dlq, "ApproximateNumberOfMessages"), "2");

  EXPECT_EQ(error("StartMessageMoveTask", {{"SourceArn", arn_of(a)}}).code,
            "InvalidParameterValue");  // not a DLQ
  EXPECT_EQ(error("StartMessageMoveTask", {{"SourceArn", "arn:aws:sqs:us-east-1:123456789012:nope"}}).code,
            "ResourceNotFoundException");
  EXPECT_EQ(
      error("StartMessageMoveTask", {{"SourceArn", arn_of(dlq)}, {"MaxNumberOfMessagesPerSecond", 501}}).code,
      "InvalidParameterValue");

  auto started = ok("StartMessageMoveTask", {{"SourceArn", arn_of(dlq)}});
  EXPECT_FALSE(started.at("TaskHandle").as_string().empty());
  auto task = wait_for_task(arn_of(dlq));
  EXPECT_EQ(task.at("ApproximateNumberOfMessagesMoved").as_int64(), 2);
  EXPECT_EQ(task.at("ApproximateNumberOfMessagesToMove").as_int64(), 2);
  EXPECT_FALSE(task.contains("TaskHandle"));  // only for RUNNING tasks
  EXPECT_FALSE(task.contains("DestinationArn"));
  EXPECT_EQ(task.at("StartedTimestamp").as_int64(), clock_.now_ms());

  auto back_a = receive(a, {{"AttributeNames", json::array{"All"}}});
  ASSERT_EQ(bodies(back_a), std::vector<std::string>{"from-a"});
  EXPECT_FALSE(back_a[0].at("Attributes").as_object().contains("DeadLetterQueueSourceArn"));
  EXPECT_EQ(bodies(receive(b)), std::vector<std::string>{"from-b"});
  EXPECT_EQ(attribute(dlq, "ApproximateNumberOfMessages"), "0");
}

TEST_F(SqsDeadLetters, MoveTaskToDestinationHonoursRate) {
  auto dlq = create("rate-dlq");
  auto source = create("rate-src", {{"VisibilityTimeout", "0"}});
  auto destination = create("rate-dest");
  ok("SetQueueAttributes", {{"QueueUrl", source}, {"Attributes", {{"RedrivePolicy", redrive(dlq, 1)}}}});
  for (int i = 0; i < 5; ++i) send(source, "m" + std::to_string(i));
  for (int i = 0; i < 5; ++i) receive(source);
  receive(source, {{"MaxNumberOfMessages", 10}});
  ASSERT_EQ(attribute(dlq, "ApproximateNumberOfMessages"), "5");

  auto handle = ok("StartMessageMoveTask", {{"SourceArn", arn_of(dlq)},
                                            {"DestinationArn", arn_of(destination)},
                                            {"MaxNumberOfMessagesPerSecond", 2}})
                    .at("TaskHandle");
  EXPECT_EQ(error("StartMessageMoveTask", {{"SourceArn", arn_of(dlq)}}).code,
            "InvalidParameterValue");  // one active
  // The clock stands still: only the first second's budget (2) moves.
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  auto running =
      ok("ListMessageMoveTasks", {{"SourceArn", arn_of(dlq)}}).at("Results").as_array()[0].as_object();
  EXPECT_EQ(running.at("Status").as_string(), "RUNNING");
  EXPECT_EQ(running.at("ApproximateNumberOfMessagesMoved").as_int64(), 2);
  EXPECT_EQ(running.at("TaskHandle"), handle);
  EXPECT_EQ(running.at("DestinationArn").as_string(), arn_of(destination));
  EXPECT_EQ(running.at("MaxNumberOfMessagesPerSecond").as_int64(), 2);
  clock_.advance_ms(1000);
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  EXPECT_EQ(attribute(destination, "ApproximateNumberOfMessages"), "4");
  clock_.advance_ms(1000);
  wait_for_task(arn_of(dlq));
  EXPECT_EQ(attribute(destination, "ApproximateNumberOfMessages"), "5");
  EXPECT_EQ(attribute(source, "ApproximateNumberOfMessages"), "0");
}

TEST_F(SqsDeadLetters, CancelAndListTasks) {
  auto dlq = create("cancel-dlq");
  auto source = create("cancel-src", {{"VisibilityTimeout", "0"}});
  ok("SetQueueAttributes", {{"QueueUrl", source}, {"Attributes", {{"RedrivePolicy", redrive(dlq, 1)}}}});
  for (int i = 0; i < 4; ++i) send(source, "m");
  for (int i = 0; i < 4; ++i) receive(source);
  receive(source, {{"MaxNumberOfMessages", 10}});
  auto handle = ok("StartMessageMoveTask", {{"SourceArn", arn_of(dlq)}, {"MaxNumberOfMessagesPerSecond", 1}})
                    .at("TaskHandle");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto cancelled = ok("CancelMessageMoveTask", {{"TaskHandle", handle}});
  EXPECT_EQ(cancelled.at("ApproximateNumberOfMessagesMoved").as_int64(), 1);
  wait_for_task(arn_of(dlq), "CANCELLED");
  EXPECT_EQ(error("CancelMessageMoveTask", {{"TaskHandle", handle}}).code, "InvalidParameterValue");
  EXPECT_EQ(error("CancelMessageMoveTask", {{"TaskHandle", "bm9wZQ=="}}).code, "ResourceNotFoundException");

  clock_.advance_ms(1000);
  ok("StartMessageMoveTask", {{"SourceArn", arn_of(dlq)}});
  wait_for_task(arn_of(dlq));
  auto listed =
      ok("ListMessageMoveTasks", {{"SourceArn", arn_of(dlq)}, {"MaxResults", 10}}).at("Results").as_array();
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].at("Status").as_string(), "COMPLETED");  // most recent first
  EXPECT_EQ(listed[1].at("Status").as_string(), "CANCELLED");
  EXPECT_EQ(ok("ListMessageMoveTasks", {{"SourceArn", arn_of(dlq)}}).at("Results").as_array().size(), 1u);
  EXPECT_EQ(error("ListMessageMoveTasks", {{"SourceArn", arn_of(dlq)}, {"MaxResults", 11}}).code,
            "InvalidParameterValue");
  EXPECT_EQ(error("ListMessageMoveTasks", {{"SourceArn", "arn:aws:sqs:us-east-1:123456789012:zz"}}).code,
            "ResourceNotFoundException");
  EXPECT_EQ(attribute(source, "ApproximateNumberOfMessages"), "4");
}

}  // namespace
}  // namespace fanout::services::sqs::testing
