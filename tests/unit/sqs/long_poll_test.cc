// Long polling on the real TimerQueue (short waits): woken by a send, by delays and visibility
// timeouts ending, answered empty at the deadline, on DeleteQueue and on stop().
#include <thread>

#include "sqs_fixture.h"

namespace fanout::services::sqs::testing {
namespace {

using namespace std::chrono_literals;

class SqsLongPoll : public SqsTest {
 protected:
  static json::array messages_of(std::future<OperationResult>& future) {
    auto result = future.get();
    if (auto* e = std::get_if<ServiceError>(&result)) {
      ADD_FAILURE() << e->code << ": " << e->message;
      return {};
    }
    auto& out = std::get<json::object>(result);
    return out.contains("Messages") ? out.at("Messages").as_array() : json::array{};
  }
};

TEST_F(SqsLongPoll, WokenBySend) {
  auto url = create("poll");
  const auto start = std::chrono::steady_clock::now();
  auto pending = call_async("ReceiveMessage", {{"QueueUrl", url}, {"WaitTimeSeconds", 10}});
  EXPECT_EQ(pending.wait_for(100ms), std::future_status::timeout);
  send(url, "wake up");
  ASSERT_EQ(pending.wait_for(2s), std::future_status::ready);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
  auto got = messages_of(pending);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].at("Body").as_string(), "wake up");
  EXPECT_EQ(attribute(url, "ApproximateNumberOfMessagesNotVisible"), "1");
}

TEST_F(SqsLongPoll, OneMessageWakesOneWaiter) {
  auto url = create("poll-many");
  auto first = call_async("ReceiveMessage", {{"QueueUrl", url}, {"WaitTimeSeconds", 2}});
  auto second = call_async("ReceiveMessage", {{"QueueUrl", url}, {"WaitTimeSeconds", 2}});
  std::this_thread::sleep_for(50ms);
  send(url, "only one");
  ASSERT_EQ(first.wait_for(1s), std::future_status::ready);
  EXPECT_EQ(messages_of(first).size(), 1u);
  EXPECT_EQ(second.wait_for(200ms), std::future_status::timeout);
  ASSERT_EQ(second.wait_for(3s), std::future_status::ready);
  EXPECT_TRUE(messages_of(second).empty());
}

// A fan-out (an SNS PublishBatch) stages its queues interleaved: entry 1 to both, then entry 2 to
// both, and so on. The first parked receive of each queue gets every message of the batch, not
// only the first, and the second one keeps waiting.
TEST_F(SqsLongPoll, AFanOutWakesEachQueuesFirstWaiterWithTheWholeBatch) {
  const std::vector<std::string> urls = {create("fan-poll-a"), create("fan-poll-b")};
  std::vector<std::future<OperationResult>> first;
  std::vector<std::future<OperationResult>> second;
  for (const auto& url : urls) {
    first.push_back(call_async("ReceiveMessage",
                               {{"QueueUrl", url}, {"WaitTimeSeconds", 2}, {"MaxNumberOfMessages", 10}}));
    second.push_back(call_async("ReceiveMessage",
                                {{"QueueUrl", url}, {"WaitTimeSeconds", 2}, {"MaxNumberOfMessages", 10}}));
  }
  std::this_thread::sleep_for(50ms);
  store::Batch batch;
  StagedSends staged;
  const SendCaller caller{kAccount, "", "", "", ""};
  for (int entry = 0; entry < 5; ++entry) {
    for (const auto& url : urls) {
      SendRequest request;
      request.body = "entry " + std::to_string(entry);
      ASSERT_TRUE(std::holds_alternative<SendResult>(
          engine_->stage_send(caller, arn_of(url), request, batch, staged)));
    }
  }
  const auto status = store_->write(std::move(batch));
  ASSERT_TRUE(status.ok);
  engine_->finish_staged(std::move(staged), status);
  for (std::size_t q = 0; q < urls.size(); ++q) {
    ASSERT_EQ(first[q].wait_for(1s), std::future_status::ready);
    std::vector<std::string> got;
    for (const auto& message : messages_of(first[q])) got.emplace_back(message.at("Body").as_string());
    EXPECT_EQ(got, (std::vector<std::string>{"entry 0", "entry 1", "entry 2", "entry 3", "entry 4"}))
        << urls[q];
    EXPECT_EQ(second[q].wait_for(100ms), std::future_status::timeout) << urls[q];
  }
  for (auto& pending : second) EXPECT_TRUE(messages_of(pending).empty());
}

TEST_F(SqsLongPoll, DeadlineAnswersEmpty) {
  auto url = create("poll-empty", {{"ReceiveMessageWaitTimeSeconds", "1"}});
  const auto start = std::chrono::steady_clock::now();
  auto pending = call_async("ReceiveMessage", {{"QueueUrl", url}});  // the queue's default wait
  ASSERT_EQ(pending.wait_for(3s), std::future_status::ready);
  const auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_GE(waited, 900ms);
  EXPECT_TRUE(messages_of(pending).empty());
  // WaitTimeSeconds=0 overrides the queue default: short poll.
  auto quick = call_async("ReceiveMessage", {{"QueueUrl", url}, {"WaitTimeSeconds", 0}});
  ASSERT_EQ(quick.wait_for(200ms), std::future_status::ready);
}

TEST_F(SqsLongPoll, WokenWhenADelayEnds) {
  auto url = create("poll-delay");
  send(url, "later", {{"DelaySeconds", 2}});
  auto pending = call_async("ReceiveMessage", {{"QueueUrl", url}, {"WaitTimeSeconds", 5}});
  EXPECT_EQ(pending.wait_for(100ms), std::future_status::timeout);
  advance_seconds(2);  // the manual clock moves; tick() re-checks timers
  ASSERT_EQ(pending.wait_for(1s), std::future_status::ready);
  EXPECT_EQ(messages_of(pending).size(), 1u);
}

TEST_F(SqsLongPoll, WokenByVisibilityChange) {
  auto url = create("poll-visibility");
  send(url, "m");
  auto got = receive(url);
  ASSERT_EQ(got.size(), 1u);
  auto pending = call_async("ReceiveMessage", {{"QueueUrl", url}, {"WaitTimeSeconds", 5}});
  EXPECT_EQ(pending.wait_for(100ms), std::future_status::timeout);
  ok("ChangeMessageVisibility",
     {{"QueueUrl", url}, {"ReceiptHandle", got[0].at("ReceiptHandle")}, {"VisibilityTimeout", 0}});
  ASSERT_EQ(pending.wait_for(1s), std::future_status::ready);
  EXPECT_EQ(messages_of(pending).size(), 1u);
}

TEST_F(SqsLongPoll, WokenWhenFifoGroupUnlocks) {
  auto url = create_fifo("poll.fifo", {{"ContentBasedDeduplication", "true"}});
  send(url, "1", {{"MessageGroupId", "g"}});
  send(url, "2", {{"MessageGroupId", "g"}});
  auto first = receive(url);
  auto pending = call_async("ReceiveMessage", {{"QueueUrl", url}, {"WaitTimeSeconds", 5}});
  EXPECT_EQ(pending.wait_for(100ms), std::future_status::timeout);
  remove(url, first[0]);
  ASSERT_EQ(pending.wait_for(1s), std::future_status::ready);
  auto got = messages_of(pending);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].at("Body").as_string(), "2");
}

TEST_F(SqsLongPoll, DeleteQueueAndStopAnswerWaiters) {
  auto doomed = create("poll-doomed");
  auto kept = create("poll-kept");
  auto on_doomed = call_async("ReceiveMessage", {{"QueueUrl", doomed}, {"WaitTimeSeconds", 20}});
  auto on_kept = call_async("ReceiveMessage", {{"QueueUrl", kept}, {"WaitTimeSeconds", 20}});
  std::this_thread::sleep_for(50ms);
  ok("DeleteQueue", {{"QueueUrl", doomed}});
  ASSERT_EQ(on_doomed.wait_for(1s), std::future_status::ready);
  EXPECT_TRUE(messages_of(on_doomed).empty());
  EXPECT_EQ(on_kept.wait_for(50ms), std::future_status::timeout);
  engine_->stop();
  ASSERT_EQ(on_kept.wait_for(1s), std::future_status::ready);
  EXPECT_TRUE(messages_of(on_kept).empty());
  // After stop, receives no longer park.
  auto after = call_async("ReceiveMessage", {{"QueueUrl", kept}, {"WaitTimeSeconds", 20}});
  ASSERT_EQ(after.wait_for(1s), std::future_status::ready);
}

TEST_F(SqsLongPoll, ConcurrentSendersAndPollers) {
  auto url = create("poll-concurrent");
  constexpr int kMessages = 200;
  std::atomic<int> received{0};
  std::vector<std::thread> pollers;
  pollers.reserve(4);
  for (int p = 0; p < 4; ++p) {
    pollers.emplace_back([&] {
      while (received.load() < kMessages) {
        auto future = call_async("ReceiveMessage",
                                 {{"QueueUrl", url}, {"WaitTimeSeconds", 1}, {"MaxNumberOfMessages", 10}});
        auto result = future.get();
        if (!std::holds_alternative<json::object>(result)) continue;
        auto& out = std::get<json::object>(result);
        if (!out.contains("Messages")) continue;
        json::array entries;
        int i = 0;
        for (const auto& m : out.at("Messages").as_array()) {
          entries.push_back({{"Id", "e" + std::to_string(i++)}, {"ReceiptHandle", m.at("ReceiptHandle")}});
        }
        call_async("DeleteMessageBatch", {{"QueueUrl", url}, {"Entries", entries}}).get();
        received += i;
      }
    });
  }
  std::vector<std::thread> senders;
  senders.reserve(2);
  for (int s = 0; s < 2; ++s) {
    senders.emplace_back([&, s] {
      for (int i = 0; i < kMessages / 2; ++i) {
        call_async("SendMessage",
                   {{"QueueUrl", url}, {"MessageBody", std::to_string(s) + "-" + std::to_string(i)}})
            .get();
      }
    });
  }
  for (auto& t : senders) t.join();
  for (auto& t : pollers) t.join();
  EXPECT_EQ(received.load(), kMessages);
  EXPECT_EQ(attribute(url, "ApproximateNumberOfMessages"), "0");
  EXPECT_EQ(attribute(url, "ApproximateNumberOfMessagesNotVisible"), "0");
}

}  // namespace
}  // namespace fanout::services::sqs::testing
