// The outbox's fairness (outbox_scheduler.h): due order, the cap per kind, each HTTP/S
// subscription's share, held deliveries released one by one as their subscription's attempts
// end, Firehose deliveries apart from HTTP/S ones and parked without a sink, and reset.
#include "services/sns/outbox_scheduler.h"

#include <gtest/gtest.h>

namespace fanout::services::sns {
namespace {

using Kind = OutboxEntry::Kind;

std::vector<std::string> ids(const std::vector<OutboxScheduler::Ref>& refs) {
  std::vector<std::string> out;
  out.reserve(refs.size());
  for (const auto& r : refs) out.push_back(r.id);
  return out;
}

OutboxScheduler::Ref http(const std::string& id, const std::string& subscription) {
  return {id, Kind::http, subscription};
}

TEST(OutboxScheduler, DueOrderUnderTheCap) {
  OutboxScheduler scheduler(3, 3);
  scheduler.add(http("c", "s1"), 30);
  scheduler.add(http("a", "s2"), 10);
  scheduler.add(http("b", "s3"), 20);
  scheduler.add(http("later", "s4"), 100);
  scheduler.add(http("d", "s5"), 40);
  EXPECT_EQ(ids(scheduler.take_due(50)), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_TRUE(scheduler.take_due(50).empty());  // three in flight
  scheduler.finished(http("a", "s2"));
  EXPECT_EQ(ids(scheduler.take_due(50)), (std::vector<std::string>{"d"}));
  EXPECT_EQ(scheduler.size(), 4u);  // three in flight, one not yet due
}

TEST(OutboxScheduler, OneHttpSubscriptionTakesAtMostItsShare) {
  OutboxScheduler scheduler(64, 8);
  for (int i = 0; i < 100; ++i) scheduler.add(http("stuck" + std::to_string(i), "hanging"), i);
  scheduler.add(http("other", "healthy"), 1000);
  auto first = scheduler.take_due(2000);
  ASSERT_EQ(first.size(), 9u);
  for (int i = 0; i < 8; ++i) EXPECT_EQ(first[static_cast<std::size_t>(i)].id, "stuck" + std::to_string(i));
  EXPECT_EQ(first[8].id, "other");
  EXPECT_EQ(scheduler.size(), 101u);
  // Each ended attempt of the hanging subscription lets exactly its next delivery go, in order.
  scheduler.finished(first[0]);
  EXPECT_EQ(ids(scheduler.take_due(2000)), (std::vector<std::string>{"stuck8"}));
  EXPECT_TRUE(scheduler.take_due(2000).empty());
  scheduler.finished(first[8]);
  EXPECT_TRUE(scheduler.take_due(2000).empty());
  EXPECT_EQ(scheduler.size(), 99u);  // 8 in flight, 91 held
}

TEST(OutboxScheduler, FirehoseDeliveriesHaveTheirOwnSlots) {
  OutboxScheduler scheduler(4, 1);
  scheduler.set_sink_available(true);
  // Four HTTP subscriptions fill the HTTP slots; Firehose deliveries still go, four at once, all
  // of one subscription (no per-subscription share: the sink answers at once).
  for (int i = 0; i < 4; ++i) scheduler.add(http("h" + std::to_string(i), "s" + std::to_string(i)), 0);
  scheduler.add(http("h4", "s4"), 0);
  for (int i = 0; i < 5; ++i) scheduler.add({"f" + std::to_string(i), Kind::firehose, "stream"}, 0);
  EXPECT_EQ(ids(scheduler.take_due(0)),
            (std::vector<std::string>{"h0", "h1", "h2", "h3", "f0", "f1", "f2", "f3"}));
  scheduler.finished({"f0", Kind::firehose, "stream"});
  EXPECT_EQ(ids(scheduler.take_due(0)), (std::vector<std::string>{"f4"}));
}

TEST(OutboxScheduler, FirehoseDeliveriesWaitForASink) {
  OutboxScheduler scheduler(4, 4);
  const OutboxScheduler::Ref firehose{"f1", Kind::firehose, "s"};
  scheduler.add(firehose, 0);
  scheduler.add(http("h1", "t"), 0);
  EXPECT_EQ(ids(scheduler.take_due(10)), (std::vector<std::string>{"h1"}));
  EXPECT_EQ(scheduler.size(), 2u);
  scheduler.set_sink_available(true);
  EXPECT_EQ(ids(scheduler.take_due(10)), (std::vector<std::string>{"f1"}));
  scheduler.set_sink_available(false);
  scheduler.finished(firehose);
  scheduler.add(firehose, 0);  // the sink went away mid-attempt: parked again
  EXPECT_TRUE(scheduler.take_due(10).empty());
  EXPECT_EQ(scheduler.size(), 2u);
}

TEST(OutboxScheduler, ClearKeepsOnlyTheAttemptsInFlight) {
  OutboxScheduler scheduler(8, 1);
  scheduler.add(http("a", "s"), 0);
  scheduler.add(http("b", "s"), 0);
  scheduler.add({"f", Kind::firehose, "t"}, 0);
  EXPECT_EQ(ids(scheduler.take_due(0)), (std::vector<std::string>{"a"}));  // b held, f parked
  scheduler.clear();
  EXPECT_EQ(scheduler.size(), 1u);
  scheduler.finished(http("a", "s"));
  EXPECT_EQ(scheduler.size(), 0u);
  EXPECT_TRUE(scheduler.take_due(0).empty());
}

}  // namespace
}  // namespace fanout::services::sns
