// The event contract: generated events are valid and realistic, every broken invariant is named,
// SNS envelopes and raw bodies unwrap, and the SQLite store books each event id once.
#include "ecommerce_event.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <regex>
#include <set>
#include <thread>

#include "event_generator.h"
#include "record_store.h"

namespace fanout::apps {
namespace {

namespace json = boost::json;

ConsumerCreatedEvent sample(std::uint64_t seed = 7) {
  EventGenerator generator(seed);
  ConsumerCreatedEvent event = generator.next();
  event.occurred_at = "2026-11-28T01:02:03.456Z";
  return event;
}

bool valid_cpf(const std::string& formatted) {
  std::vector<int> d;
  for (char c : formatted) {
    if (std::isdigit(static_cast<unsigned char>(c))) d.push_back(c - '0');
  }
  if (d.size() != 11) return false;
  for (int check = 9; check < 11; ++check) {
    int sum = 0;
    for (int i = 0; i < check; ++i) sum += d[i] * (check + 1 - i);
    if ((sum * 10 % 11) % 10 != d[check]) return false;
  }
  return true;
}

TEST(EventGenerator, ProducesValidRealisticEvents) {
  EventGenerator generator(42);
  std::set<std::string> ids;
  for (int i = 0; i < 500; ++i) {
    ConsumerCreatedEvent event = generator.next();
    event.occurred_at = format_timestamp_ms(now_ms());
    const std::string text = to_json(event);
    const EventParseResult parsed = parse_event(text);
    ASSERT_TRUE(parsed.event.has_value()) << parsed.error << "\n" << text;
    EXPECT_TRUE(ids.insert(event.event_id).second);
    EXPECT_TRUE(valid_cpf(event.consumer.document_number)) << event.consumer.document_number;
    EXPECT_TRUE(std::regex_match(event.consumer.document_number, std::regex(R"(\d{3}\.\d{3}\.\d{3}-\d{2})")));
    EXPECT_TRUE(std::regex_match(event.consumer.address.postal_code, std::regex(R"(\d{5}-\d{3})")));
    EXPECT_TRUE(std::regex_match(event.consumer.email, std::regex(R"([a-z]+\.[a-z]+\d+@[a-z.]+)")))
        << event.consumer.email;
    EXPECT_GE(event.order.items.size(), 1u);
    EXPECT_LE(event.order.items.size(), 4u);
    EXPECT_EQ(parsed.event->payment.amount_cents, parsed.event->order.total_cents);
  }
}

// Event ids are version-7 UUIDs: their first 48 bits are the creation time in milliseconds, so
// each service's unique index on them grows at its end instead of taking every insert at a random
// page (half the SQLite page writes in bench/e2e.py).
TEST(EventGenerator, EventIdsAreTimeOrderedUuids) {
  EventGenerator generator(7);
  const std::int64_t before = now_ms();
  std::uint64_t previous_ms = 0;
  for (int i = 0; i < 200; ++i) {
    const std::string id = generator.next().event_id;
    ASSERT_EQ(id.size(), 36u);
    EXPECT_EQ(id[14], '7') << id;                                          // version
    EXPECT_NE(std::string("89ab").find(id[19]), std::string::npos) << id;  // RFC 9562 variant
    const std::uint64_t ms = std::stoull(id.substr(0, 8) + id.substr(9, 4), nullptr, 16);
    EXPECT_GE(ms, previous_ms) << id;
    EXPECT_GE(ms, static_cast<std::uint64_t>(before)) << id;
    EXPECT_LE(ms, static_cast<std::uint64_t>(now_ms())) << id;
    previous_ms = ms;
  }
}

TEST(EventJson, HasTheVersionedEnvelopeFields) {
  const json::object object = json::parse(to_json(sample())).as_object();
  EXPECT_EQ(object.at("event_type").as_string(), "consumer.created");
  EXPECT_EQ(object.at("event_version").as_string(), "1.0");
  for (const char* key : {"event_id", "occurred_at", "consumer", "order", "payment"})
    EXPECT_TRUE(object.contains(key));
  EXPECT_TRUE(object.at("order").as_object().at("total").is_string());
}

// The event text is written directly; it must be exactly what Boost.JSON's own serializer makes
// of it (so the escaping is JSON's), and text needing escapes must come back unchanged.
TEST(EventJson, IsWhatBoostJsonWouldWriteAndRoundTripsEscapes) {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    const std::string text = to_json(sample(seed));
    EXPECT_EQ(json::serialize(json::parse(text)), text);
  }
  ConsumerCreatedEvent event = sample();
  event.consumer.name = "Ana \"Zé\" \\ O'Neil\n\t\x01/";
  event.consumer.address.street = "Rua \u00e7\u00e3o, 10 \x1f";
  event.order.items.at(0).description = "</script> \b\f\r";
  const std::string text = to_json(event);
  EXPECT_EQ(json::serialize(json::parse(text)), text);
  const EventParseResult parsed = parse_event(text);
  ASSERT_TRUE(parsed.event.has_value()) << parsed.error << "\n" << text;
  EXPECT_EQ(parsed.event->consumer.name, event.consumer.name);
  EXPECT_EQ(parsed.event->consumer.address.street, event.consumer.address.street);
  EXPECT_EQ(parsed.event->order.items.at(0).description, event.order.items.at(0).description);
  EXPECT_EQ(to_json(*parsed.event), text);
}

// Applies a mutation to the JSON and returns the validation error.
std::string error_after(const std::function<void(json::object&)>& mutate) {
  json::object object = json::parse(to_json(sample())).as_object();
  mutate(object);
  const EventParseResult parsed = parse_event(json::serialize(object));
  EXPECT_FALSE(parsed.event.has_value());
  return parsed.error;
}

TEST(EventValidation, NamesTheBrokenField) {
  EXPECT_EQ(error_after([](json::object& o) { o["event_type"] = "consumer.deleted"; }),
            "event_type must be consumer.created");
  EXPECT_EQ(error_after([](json::object& o) { o["event_version"] = "2.0"; }), "event_version must be 1.x");
  EXPECT_EQ(error_after([](json::object& o) { o["event_id"] = "not-a-uuid"; }),
            "event_id must be a lower-case UUID");
  for (const char* bad : {"0123456789ab-cdef-0123-4567-89abcdef0123", "01234567-89AB-cdef-0123-456789abcdef",
                          "01234567-89ab-cdef-0123-456789abcde", "01234567-89ab-cdef-0123-456789abcdef0",
                          "01234567+89ab-cdef-0123-456789abcdef", "0123456g-89ab-cdef-0123-456789abcdef"}) {
    EXPECT_EQ(error_after([bad](json::object& o) { o["event_id"] = bad; }),
              "event_id must be a lower-case UUID")
        << bad;
  }
  EXPECT_EQ(error_after([](json::object& o) { o.erase("payment"); }), "payment must be an object");
  EXPECT_EQ(error_after([](json::object& o) { o["consumer"].as_object()["email"] = "nobody"; }),
            "consumer.email must be an e-mail address");
  EXPECT_EQ(error_after([](json::object& o) { o["order"].as_object()["total"] = "0.01"; }),
            "order.total must equal the sum of quantity x unit_price");
  EXPECT_EQ(error_after([](json::object& o) { o["order"].as_object()["total"] = 12.5; }),
            "order.total must be a non-empty string");
  EXPECT_EQ(error_after([](json::object& o) { o["order"].as_object()["items"] = json::array{}; }),
            "order.items must be a non-empty array");
  EXPECT_EQ(error_after([](json::object& o) { o["payment"].as_object()["method"] = "cash"; }),
            "payment.method must be credit_card, debit_card, pix or boleto");
  EXPECT_EQ(error_after([](json::object& o) { o["payment"].as_object()["order_id"] = "other"; }),
            "payment.order_id must equal order.id");
  EXPECT_EQ(error_after([](json::object& o) { o["occurred_at"] = "yesterday"; }),
            "occurred_at must be an ISO 8601 UTC timestamp");
  EXPECT_EQ(parse_event("[1,2]").error, "not a JSON object");
  EXPECT_EQ(parse_event("{oops").error, "not a JSON object");
}

TEST(EventValidation, AcceptsMinorVersions) {
  json::object object = json::parse(to_json(sample())).as_object();
  object["event_version"] = "1.3";
  object["new_field"] = "ignored";
  EXPECT_TRUE(parse_event(json::serialize(object)).event.has_value());
}

TEST(SqsBody, ParsesTheEventOfAnSnsEnvelopeOrARawDelivery) {
  const std::string event = to_json(sample());
  const json::object envelope{{"Type", "Notification"},
                              {"MessageId", "m"},
                              {"TopicArn", "arn:aws:sns:us-east-1:000000000000:t"},
                              {"Message", event},
                              {"Timestamp", "2026-11-28T01:02:03.456Z"}};
  const EventParseResult wrapped = parse_sqs_body(json::serialize(envelope));
  ASSERT_TRUE(wrapped.event) << wrapped.error;
  EXPECT_EQ(to_json(*wrapped.event), event);
  const EventParseResult raw = parse_sqs_body(event);
  ASSERT_TRUE(raw.event) << raw.error;
  EXPECT_EQ(to_json(*raw.event), event);

  json::object confirmation = envelope;
  confirmation["Type"] = "SubscriptionConfirmation";
  EXPECT_EQ(parse_sqs_body(json::serialize(confirmation)).error,
            "SNS envelope of type \"SubscriptionConfirmation\", not Notification");
  json::object no_message = envelope;
  no_message.erase("Message");
  EXPECT_EQ(parse_sqs_body(json::serialize(no_message)).error, "SNS envelope without a Message string");
  // The event inside an envelope, and a raw one, get parse_event's checks.
  json::object bad = json::parse(event).as_object();
  bad["event_id"] = "not-a-uuid";
  EXPECT_EQ(parse_sqs_body(json::serialize(bad)).error, "event_id must be a lower-case UUID");
  json::object wrapped_bad = envelope;
  wrapped_bad["Message"] = json::serialize(bad);
  EXPECT_EQ(parse_sqs_body(json::serialize(wrapped_bad)).error, "event_id must be a lower-case UUID");
  EXPECT_EQ(parse_sqs_body("plain text").error, "not a JSON object");
}

TEST(Money, ParsesOnlyTwoDecimalAmounts) {
  EXPECT_EQ(parse_money("59.97"), 5997);
  EXPECT_EQ(parse_money("0.05"), 5);
  EXPECT_FALSE(parse_money("59.9").has_value());
  EXPECT_FALSE(parse_money("-1.00").has_value());
  EXPECT_FALSE(parse_money(".50").has_value());
  EXPECT_FALSE(parse_money("1e3.00").has_value());
  EXPECT_EQ(format_money(5997), "59.97");
  EXPECT_EQ(format_money(5), "0.05");
}

TEST(Timestamps, RoundTrip) {
  EXPECT_EQ(format_timestamp_ms(1795827723456), "2026-11-28T01:02:03.456Z");
  EXPECT_EQ(parse_timestamp_ms("2026-11-28T01:02:03.456Z"), 1795827723456);
  EXPECT_EQ(parse_timestamp_ms("2026-11-28T01:02:03Z"), 1795827723000);
  EXPECT_FALSE(parse_timestamp_ms("2026-11-28 01:02:03Z").has_value());
  EXPECT_FALSE(parse_timestamp_ms("2026-13-28T01:02:03Z").has_value());
}

TEST(Timestamps, FractionsCalendarAndStrictFields) {
  EXPECT_EQ(parse_timestamp_ms("2026-11-28T01:02:03.4Z"), 1795827723400);
  EXPECT_EQ(parse_timestamp_ms("2026-11-28T01:02:03.45Z"), 1795827723450);
  EXPECT_EQ(parse_timestamp_ms("2026-11-28T01:02:03.456789Z"), 1795827723456);
  EXPECT_EQ(parse_timestamp_ms("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parse_timestamp_ms("1969-12-31T23:59:59Z"), -1000);
  EXPECT_EQ(parse_timestamp_ms("2024-02-29T00:00:00Z"), 1709164800000);  // a leap day
  EXPECT_EQ(parse_timestamp_ms("2016-12-31T23:59:60Z"), 1483228800000);  // a leap second, as timegm
  for (const char* bad :
       {"2026-02-29T00:00:00Z", "2026-04-31T00:00:00Z", "2026-00-10T00:00:00Z", "2026-11-00T00:00:00Z",
        "2026-11-28T24:00:00Z", "2026-11-28T23:60:00Z", "2026-11-28T23:59:61Z", "+026-11-28T01:02:03Z",
        " 2026-11-28T01:02:03Z", "2026-1-28T01:02:03Z", "2026-11-28T01:02:03", "2026-11-28T01:02:03.Z",
        "2026-11-28T01:02:03Zx", "2026-11-28T01:02:03+00:00", "2026-11-28", ""}) {
    EXPECT_FALSE(parse_timestamp_ms(bad).has_value()) << bad;
  }
}

class RecordStoreTest : public ::testing::TestWithParam<ServiceKind> {
 protected:
  void SetUp() override {
    path_ = std::filesystem::temp_directory_path() / ("fanout-store-" + std::to_string(::getpid()) + "-" +
                                                      std::to_string(static_cast<int>(GetParam())) + ".db");
    std::filesystem::remove(path_);
  }
  void TearDown() override {
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path_.string() + suffix);
  }
  std::filesystem::path path_;
};

TEST_P(RecordStoreTest, BooksEachEventIdOnce) {
  std::vector<ConsumerCreatedEvent> batch;
  for (std::uint64_t seed = 1; seed <= 10; ++seed) batch.push_back(sample(seed));
  {
    RecordStore store(path_.string(), GetParam(), true);
    auto first = store.record(batch);
    EXPECT_EQ(first.recorded, 10);
    EXPECT_EQ(first.duplicates, 0);
    std::vector<ConsumerCreatedEvent> again{batch[3], batch[7], sample(99)};
    auto second = store.record(again);
    EXPECT_EQ(second.recorded, 1);
    EXPECT_EQ(second.duplicates, 2);
    EXPECT_EQ(store.count(), 11);
  }
  RecordStore reopened(path_.string(), GetParam(), false);  // durable across reopen
  EXPECT_EQ(reopened.count(), 11);
}

// Workers record at the same time, so their batches are committed in shared transactions. Every
// batch must still get its own counts, and each event id must be booked exactly once, whichever
// transaction it lands in.
TEST_P(RecordStoreTest, ConcurrentBatchesEachGetTheirOwnCounts) {
  constexpr int kThreads = 16;  // more than a group commit takes at once: heads hand over
  constexpr std::ptrdiff_t kBatches = 40;
  constexpr std::ptrdiff_t kBatchSize = 5;
  RecordStore store(path_.string(), GetParam(), false);
  std::vector<ConsumerCreatedEvent> events;
  for (std::uint64_t seed = 1; seed <= static_cast<std::uint64_t>(kBatches * kBatchSize); ++seed) {
    events.push_back(sample(seed));
  }
  // Every thread records every batch, so each batch is new for exactly one thread and a duplicate
  // for the others.
  std::vector<int> recorded(kThreads, 0);
  std::vector<int> duplicates(kThreads, 0);
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (std::ptrdiff_t b = 0; b < kBatches; ++b) {
        // The threads walk the batches out of step.
        const std::ptrdiff_t batch_index = (b + static_cast<std::ptrdiff_t>(t) * 7) % kBatches;
        const std::vector<ConsumerCreatedEvent> batch(events.begin() + batch_index * kBatchSize,
                                                      events.begin() + (batch_index + 1) * kBatchSize);
        const auto result = store.record(batch);
        EXPECT_EQ(result.recorded + result.duplicates, kBatchSize);
        recorded[t] += result.recorded;
        duplicates[t] += result.duplicates;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  int total_recorded = 0;
  int total_duplicates = 0;
  for (int t = 0; t < kThreads; ++t) {
    total_recorded += recorded[t];
    total_duplicates += duplicates[t];
  }
  EXPECT_EQ(total_recorded, kBatches * kBatchSize);
  EXPECT_EQ(total_duplicates, (kThreads - 1) * kBatches * kBatchSize);
  EXPECT_EQ(store.count(), kBatches * kBatchSize);
}

INSTANTIATE_TEST_SUITE_P(Services, RecordStoreTest,
                         ::testing::Values(ServiceKind::orders, ServiceKind::payments));

}  // namespace
}  // namespace fanout::apps
