// Firehose subscriptions through the FirehoseSink: records wait in the outbox until a sink is
// set, are retried when the sink asks, and dead-lettered when it rejects them.
#include <optional>

#include "sns_fixture.h"

namespace fanout::services::sns::testing {
namespace {

class FakeSink : public FirehoseSink {
 public:
  struct Record {
    std::string account, stream, role, data;
  };
  void put_record(const std::string& account, const std::string& stream_arn, const std::string& role_arn,
                  std::string data, std::function<void(FirehosePutResult)> done) override {
    {
      std::lock_guard lock(mutex);
      records.push_back({account, stream_arn, role_arn, data});
    }
    done(FirehosePutResult{outcome.load(), outcome == FirehosePutResult::Outcome::delivered ? "" : "no"});
  }
  // Takes records into the publish's batch only while `staging` is set (a local, ACTIVE stream);
  // otherwise they take the outbox path, as for a stream that must be waited for.
  SettleStagedRecord stage_record(const std::string& account, const std::string& stream_arn,
                                  const std::string& role_arn, std::string_view data,
                                  store::Batch& /*batch*/) override {
    if (!staging) return {};
    std::lock_guard lock(mutex);
    const std::size_t index = staged.size();
    staged.push_back({account, stream_arn, role_arn, std::string(data)});
    settled.push_back(std::nullopt);
    return [this, index](bool committed) {
      std::lock_guard lock(mutex);
      settled[index] = committed;
    };
  }
  std::size_t size() {
    std::lock_guard lock(mutex);
    return records.size();
  }
  std::mutex mutex;
  std::vector<Record> records;
  std::vector<Record> staged;
  std::vector<std::optional<bool>> settled;  // by staged record: the batch's outcome, once known
  std::atomic<FirehosePutResult::Outcome> outcome{FirehosePutResult::Outcome::delivered};
  std::atomic<bool> staging = false;
};

class FirehoseTest : public SnsTest {
 protected:
  const std::string stream = "arn:aws:firehose:us-east-1:123456789012:deliverystream/landing";
  const std::string role = "arn:aws:iam::123456789012:role/sns-to-firehose";
};

TEST_F(FirehoseTest, WaitsForSinkThenDelivers) {
  auto topic = create_topic("t");
  auto sub = subscribe(topic, "firehose", stream, {{"SubscriptionRoleArn", role}});
  ok("Publish", {{"TopicArn", topic},
                 {"Message", "event"},
                 {"Subject", "s"},
                 {"MessageAttributes", {{"k", {{"DataType", "String"}, {"StringValue", "v"}}}}}});
  EXPECT_EQ(sns_->outbox_size(), 1u);
  sns_->tick();
  EXPECT_EQ(sns_->outbox_size(), 1u);

  FakeSink sink;
  sns_->set_firehose_sink(&sink);
  EXPECT_TRUE(eventually([&] { return sink.size() == 1 && sns_->outbox_size() == 0; }));
  auto record = sink.records[0];
  EXPECT_EQ(record.account, kAccount);
  EXPECT_EQ(record.stream, stream);
  EXPECT_EQ(record.role, role);
  ASSERT_FALSE(record.data.empty());
  EXPECT_EQ(record.data.back(), '\n');
  auto envelope = json::parse(record.data).as_object();
  std::vector<std::string> keys;
  for (const auto& kv : envelope) keys.emplace_back(kv.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"Type", "MessageId", "TopicArn", "Subject", "Message",
                                            "Timestamp", "UnsubscribeURL", "MessageAttributes"}));
  EXPECT_EQ(record.data.find(' '), std::string::npos);  // compact
  EXPECT_EQ(envelope["UnsubscribeURL"].as_string(),
            "http://localhost:4566/?Action=Unsubscribe&SubscriptionArn=" + sub);
  sns_->set_firehose_sink(nullptr);
}

TEST_F(FirehoseTest, RawRecordsAndRetries) {
  auto topic = create_topic("t");
  subscribe(topic, "firehose", stream, {{"SubscriptionRoleArn", role}, {"RawMessageDelivery", "true"}});
  FakeSink sink;
  sink.outcome = FirehosePutResult::Outcome::retry;
  sns_->set_firehose_sink(&sink);
  ok("Publish", {{"TopicArn", topic}, {"Message", "raw event"}});
  // Three immediate retries, then backoff; let the clock run until it succeeds.
  EXPECT_TRUE(eventually([&] { return sink.size() >= 4; }));
  sink.outcome = FirehosePutResult::Outcome::delivered;
  EXPECT_TRUE(eventually([&] {
    clock_.advance_ms(1000);
    return sns_->outbox_size() == 0;
  }));
  EXPECT_EQ(sink.records.back().data, "raw event\n");
  sns_->set_firehose_sink(nullptr);
}

TEST_F(FirehoseTest, RejectedRecordGoesToDeadLetterQueue) {
  auto topic = create_topic("t");
  auto dlq = create_queue("dlq");
  subscribe(
      topic, "firehose", stream,
      {{"SubscriptionRoleArn", role}, {"RedrivePolicy", R"({"deadLetterTargetArn":")" + dlq.arn + "\"}"}});
  FakeSink sink;
  sink.outcome = FirehosePutResult::Outcome::rejected;
  sns_->set_firehose_sink(&sink);
  ok("Publish", {{"TopicArn", topic}, {"Message", "bad stream"}});
  std::vector<std::string> bodies;
  EXPECT_TRUE(eventually([&] {
    for (auto& b : drain(dlq.url)) bodies.push_back(b);
    return !bodies.empty();
  }));
  ASSERT_EQ(bodies.size(), 1u);
  EXPECT_EQ(json::parse(bodies[0]).as_object()["Message"].as_string(), "bad stream");
  EXPECT_EQ(sink.size(), 1u);
  sns_->set_firehose_sink(nullptr);
}

// A stream that takes the record at once gets it inside the publish's own batch: no outbox
// entry, no put_record, and the record is settled once the publish is durable.
TEST_F(FirehoseTest, RecordsAStreamTakesAtOnceSkipTheOutbox) {
  auto topic = create_topic("t");
  subscribe(topic, "firehose", stream, {{"SubscriptionRoleArn", role}, {"RawMessageDelivery", "true"}});
  FakeSink sink;
  sink.staging = true;
  sns_->set_firehose_sink(&sink);
  ok("Publish", {{"TopicArn", topic}, {"Message", "staged event"}});
  EXPECT_EQ(sns_->outbox_size(), 0u);
  {
    std::lock_guard lock(sink.mutex);
    ASSERT_EQ(sink.staged.size(), 1u);
    EXPECT_EQ(sink.staged[0].account, kAccount);
    EXPECT_EQ(sink.staged[0].stream, stream);
    EXPECT_EQ(sink.staged[0].role, role);
    EXPECT_EQ(sink.staged[0].data, "staged event\n");
    EXPECT_EQ(sink.settled[0], std::optional<bool>(true));  // Publish answered after the commit
  }
  EXPECT_EQ(sink.size(), 0u);

  // When the stream cannot take it now, the same record goes through the outbox.
  sink.staging = false;
  ok("Publish", {{"TopicArn", topic}, {"Message", "later event"}});
  EXPECT_TRUE(eventually([&] { return sink.size() == 1 && sns_->outbox_size() == 0; }));
  EXPECT_EQ(sink.records[0].data, "later event\n");
  sns_->set_firehose_sink(nullptr);
}

TEST_F(FirehoseTest, DeletedSubscriptionDropsItsDeliveries) {
  auto topic = create_topic("t");
  auto sub = subscribe(topic, "firehose", stream, {{"SubscriptionRoleArn", role}});
  ok("Publish", {{"TopicArn", topic}, {"Message", "orphan"}});
  ok("Unsubscribe", {{"SubscriptionArn", sub}});
  FakeSink sink;
  sns_->set_firehose_sink(&sink);
  EXPECT_TRUE(eventually([&] { return sns_->outbox_size() == 0; }));
  EXPECT_EQ(sink.size(), 0u);
  sns_->set_firehose_sink(nullptr);
}

}  // namespace
}  // namespace fanout::services::sns::testing
