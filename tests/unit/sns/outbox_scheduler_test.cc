// The outbox's fairness (outbox_scheduler.h): due order, the global cap, each subscription's
// share, held deliveries released one by one as their subscription's attempts end, parking of
// Firehose deliveries without a sink, and reset.
#include "services/sns/outbox_scheduler.h"

#include <gtest/gtest.h>

namespace fanout::services::sns {
namespace {

using Kind = OutboxEntry::Kind;

std::vector<std::string> ids(const std::vector<OutboxScheduler::Ref>& refs) {
  std::vector<std::string> out;
  for (const auto& r : refs) out.push_back(r.id);
  return out;
}

TEST(OutboxScheduler, DueOrderUnderTheGlobalCap) {
  OutboxScheduler scheduler(3, 3);
  scheduler.add({"c", Kind::http, "s1"}, 30);
  scheduler.add({"a", Kind::http, "s2"}, 10);
  scheduler.add({"b", Kind::http, "s3"}, 20);
  scheduler.add({"later", Kind::http, "s4"}, 100);
  scheduler.add({"d", Kind::http, "s5"}, 40);
  EXPECT_EQ(ids(scheduler.take_due(50)), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_TRUE(scheduler.take_due(50).empty());  // three in flight
  scheduler.finished("s2");
  EXPECT_EQ(ids(scheduler.take_due(50)), (std::vector<std::string>{"d"}));
  EXPECT_EQ(scheduler.size(), 4u);  // three in flight, one not yet due
}

TEST(OutboxScheduler, OneSubscriptionTakesAtMostItsShare) {
  OutboxScheduler scheduler(64, 8);
  scheduler.set_sink_available(true);  // parking without a sink is tested below
  for (int i = 0; i < 100; ++i) scheduler.add({"stuck" + std::to_string(i), Kind::http, "hanging"}, i);
  scheduler.add({"other", Kind::http, "healthy"}, 1000);
  scheduler.add({"firehose", Kind::firehose, "stream"}, 1000);
  auto first = scheduler.take_due(2000);
  ASSERT_EQ(first.size(), 10u);
  for (int i = 0; i < 8; ++i) EXPECT_EQ(first[static_cast<std::size_t>(i)].id, "stuck" + std::to_string(i));
  EXPECT_EQ(ids({first[8], first[9]}),
            (std::vector<std::string>{"other", "firehose"}));  // due together: in order added
  EXPECT_EQ(scheduler.size(), 102u);
  // Each ended attempt of the hanging subscription lets exactly its next delivery go, in order.
  scheduler.finished("hanging");
  EXPECT_EQ(ids(scheduler.take_due(2000)), (std::vector<std::string>{"stuck8"}));
  EXPECT_TRUE(scheduler.take_due(2000).empty());
  scheduler.finished("healthy");
  scheduler.finished("stream");
  EXPECT_TRUE(scheduler.take_due(2000).empty());
  EXPECT_EQ(scheduler.size(), 99u);  // 8 in flight, 91 held
}

TEST(OutboxScheduler, FirehoseDeliveriesWaitForASink) {
  OutboxScheduler scheduler(4, 4);
  scheduler.add({"f1", Kind::firehose, "s"}, 0);
  scheduler.add({"h1", Kind::http, "t"}, 0);
  EXPECT_EQ(ids(scheduler.take_due(10)), (std::vector<std::string>{"h1"}));
  EXPECT_EQ(scheduler.size(), 2u);
  scheduler.set_sink_available(true);
  EXPECT_EQ(ids(scheduler.take_due(10)), (std::vector<std::string>{"f1"}));
  scheduler.set_sink_available(false);
  scheduler.finished("s");
  scheduler.add({"f1", Kind::firehose, "s"}, 0);  // the sink went away mid-attempt: parked again
  EXPECT_TRUE(scheduler.take_due(10).empty());
  EXPECT_EQ(scheduler.size(), 2u);
}

TEST(OutboxScheduler, ClearKeepsOnlyTheAttemptsInFlight) {
  OutboxScheduler scheduler(8, 1);
  scheduler.add({"a", Kind::http, "s"}, 0);
  scheduler.add({"b", Kind::http, "s"}, 0);
  scheduler.add({"f", Kind::firehose, "t"}, 0);
  EXPECT_EQ(ids(scheduler.take_due(0)), (std::vector<std::string>{"a"}));  // b held, f parked
  scheduler.clear();
  EXPECT_EQ(scheduler.size(), 1u);
  scheduler.finished("s");
  EXPECT_EQ(scheduler.size(), 0u);
  EXPECT_TRUE(scheduler.take_due(0).empty());
}

}  // namespace
}  // namespace fanout::services::sns
