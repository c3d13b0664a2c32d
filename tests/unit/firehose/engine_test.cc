// The Firehose engine against a real (in-memory) store, a hand-moved clock and a fake destination.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <functional>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/crypto.h"
#include "common/timer_queue.h"
#include "services/firehose/firehose_engine.h"
#include "services/firehose/object_destination.h"
#include "store/store.h"

namespace fanout::services::firehose {
namespace {

namespace json = boost::json;

class FakeDestination final : public ObjectDestination {
 public:
  void put_object(ObjectWrite write, std::function<void(ObjectWriteResult)> done) override {
    {
      std::lock_guard lock(mutex);
      if (failing) {
        ++failures;
        done({false, "NoSuchBucket", "The specified bucket does not exist"});
        return;
      }
      objects.push_back(std::move(write));
    }
    done({});
  }
  std::vector<ObjectWrite> snapshot() {
    std::lock_guard lock(mutex);
    return objects;
  }
  std::mutex mutex;
  // Flipped and polled by the test thread while the engine's workers deliver.
  std::atomic<bool> failing = false;
  std::atomic<int> failures = 0;
  std::vector<ObjectWrite> objects;
};

class FirehoseEngineTest : public ::testing::Test {
 protected:
  FirehoseEngineTest() {
    store::Options options;
    options.durability = store::Durability::memory;
    options.column_families = FirehoseEngine::column_families();
    options.sequenced_families = FirehoseEngine::sequenced_families();
    store_ = store::Store::open(options);
    clock_.set_ms(1535365805123);  // 2018-08-27T10:30:05.123Z
    start();
  }
  ~FirehoseEngineTest() override {
    engine_.reset();
    timers_.stop();
  }

  void start() {
    FirehoseOptions options;
    options.activation_delay_ms = 0;
    options.retry_base_ms = 20;
    options.retry_max_ms = 40;
    engine_ = std::make_unique<FirehoseEngine>(*store_, clock_, timers_, "us-east-1", options);
    engine_->set_local_destination(&destination_);
  }

  // Restarts the engine on the same store, lets the buffering interval pass and waits for the
  // objects; every object written so far.
  std::vector<ObjectWrite> restart_and_flush() {
    engine_.reset();
    start();
    clock_.advance_ms(60'000);
    engine_->flush_due();
    EXPECT_TRUE(engine_->wait_idle(5000));
    return destination_.snapshot();
  }

  // The first buffered record in the store, key and value.
  std::pair<std::string, std::string> first_buffered_record() {
    std::pair<std::string, std::string> found;
    store_->scan("firehose_records", "", [&](std::string_view key, std::string_view value) {
      found = {std::string(key), std::string(value)};
      return false;
    });
    return found;
  }

  protocol::OperationResult call(const std::string& op, json::object input) {
    protocol::RequestContext context;
    context.account_id = "000000000000";
    context.region = "us-east-1";
    std::promise<protocol::OperationResult> promise;
    engine_->invoke(context, op, std::move(input),
                    [&](protocol::OperationResult r) { promise.set_value(std::move(r)); });
    return promise.get_future().get();
  }
  json::object ok(const std::string& op, json::object input) {
    auto r = call(op, std::move(input));
    if (auto* e = std::get_if<protocol::ServiceError>(&r)) {
      ADD_FAILURE() << op << ": " << e->code << ": " << e->message;
      return {};
    }
    return std::get<json::object>(r);
  }
  std::string error_code(const std::string& op, json::object input) {
    auto r = call(op, std::move(input));
    auto* e = std::get_if<protocol::ServiceError>(&r);
    return e ? e->code : "";
  }

  void create(const std::string& name, json::object destination, bool extended = true) {
    ok("CreateDeliveryStream",
       {{"DeliveryStreamName", name},
        {extended ? "ExtendedS3DestinationConfiguration" : "S3DestinationConfiguration", destination}});
    for (int i = 0; i < 200; ++i) {
      auto d = ok("DescribeDeliveryStream", {{"DeliveryStreamName", name}});
      if (d["DeliveryStreamDescription"].as_object()["DeliveryStreamStatus"] == "ACTIVE") return;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    FAIL() << "stream did not become ACTIVE";
  }

  static json::object reference(int interval = 60, int size = 5) {
    return {{"RoleARN", "arn:aws:iam::000000000000:role/firehose"},
            {"BucketARN", "arn:aws:s3:::landing"},
            {"Prefix", "landing_date=!{timestamp:yyyy-MM-dd}/"},
            {"ErrorOutputPrefix", "errors/!{firehose:error-output-type}/"},
            {"BufferingHints", {{"SizeInMBs", size}, {"IntervalInSeconds", interval}}},
            {"ProcessingConfiguration",
             {{"Enabled", true},
              {"Processors", json::array{json::object{{"Type", "AppendDelimiterToRecord"}}}}}}};
  }

  void put_batch(const std::string& name, const std::vector<std::string>& records) {
    json::array list;
    for (const auto& r : records) list.push_back(json::object{{"Data", crypto::base64_encode(r)}});
    auto out = ok("PutRecordBatch", {{"DeliveryStreamName", name}, {"Records", list}});
    EXPECT_EQ(out["FailedPutCount"].to_number<int>(), 0);
    EXPECT_EQ(out["RequestResponses"].as_array().size(), records.size());
  }

  std::unique_ptr<store::Store> store_;
  ManualClock clock_;
  TimerQueue timers_;
  FakeDestination destination_;
  std::unique_ptr<FirehoseEngine> engine_;
};

TEST_F(FirehoseEngineTest, IntervalFlushWritesRecordsInOrderUnderTheReferencePrefix) {
  create("consumers", reference());
  put_batch("consumers", {"{\"id\":1}", "{\"id\":2}"});
  ok("PutRecord",
     {{"DeliveryStreamName", "consumers"}, {"Record", {{"Data", crypto::base64_encode("{\"id\":3}")}}}});
  engine_->flush_due();
  ASSERT_TRUE(engine_->wait_idle(5000));
  EXPECT_TRUE(destination_.snapshot().empty()) << "flushed before the interval";
  clock_.advance_ms(60'000);
  engine_->flush_due();
  ASSERT_TRUE(engine_->wait_idle(5000));
  auto objects = destination_.snapshot();
  ASSERT_EQ(objects.size(), 1u);
  EXPECT_EQ(objects[0].bucket, "landing");
  EXPECT_EQ(objects[0].account_id, "000000000000");
  EXPECT_TRUE(objects[0].key.starts_with("landing_date=2018-08-27/consumers-1-2018-08-27-10-30-05-"))
      << objects[0].key;
  EXPECT_EQ(objects[0].body, "{\"id\":1}\n{\"id\":2}\n{\"id\":3}\n");
}

TEST_F(FirehoseEngineTest, FileExtensionReplacesTheCompressionExtension) {
  auto config = reference(0);
  config["CompressionFormat"] = "GZIP";
  config["FileExtension"] = ".json.gz";
  create("extension", config);
  put_batch("extension", {"x"});
  ASSERT_TRUE(engine_->wait_idle(5000));
  ASSERT_EQ(destination_.snapshot().size(), 1u);
  EXPECT_TRUE(destination_.snapshot()[0].key.ends_with(".json.gz")) << destination_.snapshot()[0].key;
  EXPECT_FALSE(destination_.snapshot()[0].key.ends_with(".gz.json.gz"));
  config["FileExtension"] = "gz";
  EXPECT_EQ(error_code("CreateDeliveryStream",
                       {{"DeliveryStreamName", "badext"}, {"ExtendedS3DestinationConfiguration", config}}),
            "InvalidArgumentException");
}

TEST_F(FirehoseEngineTest, SizeHintFlushesWithoutWaitingForTheInterval) {
  create("big", reference(900, 1));
  const std::string record(1000, 'x');
  for (int batch = 0; batch < 3; ++batch) put_batch("big", std::vector<std::string>(500, record));
  ASSERT_TRUE(engine_->wait_idle(5000));
  auto objects = destination_.snapshot();
  ASSERT_EQ(objects.size(), 1u);  // 1 MiB reached within the third batch
  EXPECT_GE(objects[0].body.size(), 1024u * 1024u);
}

TEST_F(FirehoseEngineTest, FailingDestinationIsRetriedAndReported) {
  destination_.failing = true;
  create("retry", reference(0));
  put_batch("retry", {"a"});
  for (int i = 0; i < 200 && destination_.failures < 2; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  auto d = ok("DescribeDeliveryStream", {{"DeliveryStreamName", "retry"}});
  auto failure = d["DeliveryStreamDescription"].as_object()["FailureDescription"].as_object();
  EXPECT_EQ(failure["Type"], "UNKNOWN_ERROR");
  EXPECT_NE(std::string(failure["Details"].as_string()).find("NoSuchBucket"), std::string::npos);
  {
    std::lock_guard lock(destination_.mutex);
    destination_.failing = false;
  }
  ASSERT_TRUE(engine_->wait_idle(5000));
  ASSERT_EQ(destination_.snapshot().size(), 1u);
  EXPECT_EQ(destination_.snapshot()[0].body, "a\n");
  d = ok("DescribeDeliveryStream", {{"DeliveryStreamName", "retry"}});
  EXPECT_FALSE(d["DeliveryStreamDescription"].as_object().contains("FailureDescription"));
}

TEST_F(FirehoseEngineTest, BufferedRecordsSurviveARestart) {
  create("durable", reference());
  put_batch("durable", {"one", "two"});
  engine_.reset();  // nothing delivered yet
  EXPECT_TRUE(destination_.snapshot().empty());
  start();
  clock_.advance_ms(60'000);
  engine_->flush_due();
  ASSERT_TRUE(engine_->wait_idle(5000));
  auto objects = destination_.snapshot();
  ASSERT_EQ(objects.size(), 1u);
  EXPECT_EQ(objects[0].body, "one\ntwo\n");
  // Delivered records are forgotten: another restart delivers nothing again.
  EXPECT_EQ(restart_and_flush().size(), 1u);
}

// A buffered record whose key is not "<stream id>/<16 hex digits>" is a damaged data dir: the
// restart fails naming it (fanoutd exits with the message) instead of throwing std::stoull's
// bare invalid_argument or reading a wrong sequence number.
TEST_F(FirehoseEngineTest, ACorruptBufferedRecordKeyFailsTheRestartNamingIt) {
  create("durable", reference());
  put_batch("durable", {"one"});
  engine_.reset();
  const auto [stored_key, stored_value] = first_buffered_record();
  ASSERT_EQ(stored_key.size() - stored_key.find('/'), 17u) << stored_key;
  const std::string stream_id = stored_key.substr(0, stored_key.find('/'));
  for (const std::string bad : {"zz", "00000000000000zz", "-000000000000001", "0000000000000000000001", ""}) {
    std::string key = stream_id;
    key.append("/").append(bad);
    store::Batch batch;
    batch.put("firehose_records", key, stored_value);
    ASSERT_TRUE(store_->write(std::move(batch)).ok);
    try {
      start();
      ADD_FAILURE() << "started with a corrupt record key /" << bad;
    } catch (const std::runtime_error& e) {
      const std::string expected =
          std::string("firehose: corrupt buffered record key '").append(key).append("' in the data dir");
      EXPECT_NE(std::string(e.what()).find(expected), std::string::npos) << e.what();
    }
    store::Batch undo;
    undo.erase("firehose_records", key);
    ASSERT_TRUE(store_->write(std::move(undo)).ok);
  }
  // Undamaged again, it starts and still has the record.
  start();
  clock_.advance_ms(60'000);
  engine_->flush_due();
  ASSERT_TRUE(engine_->wait_idle(5000));
  ASSERT_EQ(destination_.snapshot().size(), 1u);
  EXPECT_EQ(destination_.snapshot()[0].body, "one\n");
}

// A buffered record whose value does not decode is damage too: the restart fails naming it
// rather than erasing a record the client was told was accepted.
TEST_F(FirehoseEngineTest, ACorruptBufferedRecordValueFailsTheRestartNamingIt) {
  create("durable", reference());
  put_batch("durable", {"one"});
  engine_.reset();
  const auto [stored_key, stored_value] = first_buffered_record();
  ASSERT_FALSE(stored_key.empty());
  store::Batch damage;
  damage.put("firehose_records", stored_key, stored_value.substr(0, 3));  // cut short
  ASSERT_TRUE(store_->write(std::move(damage)).ok);
  try {
    start();
    ADD_FAILURE() << "started with a corrupt record value";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("firehose: corrupt buffered record '" + stored_key + "'"),
              std::string::npos)
        << e.what();
  }
  // The record is still there to repair or inspect: nothing was erased.
  EXPECT_EQ(store_->get("firehose_records", stored_key), stored_value.substr(0, 3));
}

TEST_F(FirehoseEngineTest, DynamicPartitioningSplitsByQueryAndSendsFailuresToErrorOutput) {
  auto config = reference(60, 64);
  config["Prefix"] = "customer=!{partitionKeyFromQuery:customer}/";
  config["DynamicPartitioningConfiguration"] = {{"Enabled", true}};
  config["ProcessingConfiguration"] = {
      {"Enabled", true},
      {"Processors",
       json::array{json::object{{"Type", "MetadataExtraction"},
                                {"Parameters",
                                 json::array{json::object{{"ParameterName", "MetadataExtractionQuery"},
                                                          {"ParameterValue", "{customer: .customer.id}"}},
                                             json::object{{"ParameterName", "JsonParsingEngine"},
                                                          {"ParameterValue", "JQ-1.6"}}}}},
                   json::object{{"Type", "AppendDelimiterToRecord"}}}}};
  create("parts", config);
  put_batch("parts", {R"({"customer":{"id":"a"},"n":1})", R"({"customer":{"id":"b"},"n":2})",
                      R"({"customer":{"id":"a"},"n":3})", "not json"});
  clock_.advance_ms(60'000);
  engine_->flush_due();
  ASSERT_TRUE(engine_->wait_idle(5000));
  std::map<std::string, std::string> by_prefix;
  for (const auto& o : destination_.snapshot()) by_prefix[o.key.substr(0, o.key.find('/'))] = o.body;
  ASSERT_EQ(by_prefix.size(), 3u);
  EXPECT_EQ(by_prefix["customer=a"],
            "{\"customer\":{\"id\":\"a\"},\"n\":1}\n{\"customer\":{\"id\":\"a\"},\"n\":3}\n");
  EXPECT_EQ(by_prefix["customer=b"], "{\"customer\":{\"id\":\"b\"},\"n\":2}\n");
  auto error_line = json::parse(by_prefix["errors"]).as_object();
  EXPECT_EQ(std::string(error_line["rawData"].as_string()), crypto::base64_encode("not json"));
  EXPECT_EQ(error_line["errorCode"], "DynamicPartitioning.MetadataExtractionFailed");
}

TEST_F(FirehoseEngineTest, ManagementErrorsAndVersions) {
  create("managed", reference());
  EXPECT_EQ(error_code("CreateDeliveryStream", {{"DeliveryStreamName", "managed"},
                                                {"ExtendedS3DestinationConfiguration", reference()}}),
            "ResourceInUseException");
  EXPECT_EQ(error_code("DescribeDeliveryStream", {{"DeliveryStreamName", "missing"}}),
            "ResourceNotFoundException");
  EXPECT_EQ(error_code("PutRecord", {{"DeliveryStreamName", "missing"}, {"Record", {{"Data", "YQ=="}}}}),
            "ResourceNotFoundException");
  auto bad = reference();
  bad.erase("ErrorOutputPrefix");
  EXPECT_EQ(error_code("CreateDeliveryStream",
                       {{"DeliveryStreamName", "bad"}, {"ExtendedS3DestinationConfiguration", bad}}),
            "InvalidArgumentException");
  EXPECT_EQ(error_code("DescribeDeliveryStream", {{"DeliveryStreamName", "bad"}}),
            "ResourceNotFoundException");

  EXPECT_EQ(error_code("UpdateDestination", {{"DeliveryStreamName", "managed"},
                                             {"CurrentDeliveryStreamVersionId", "7"},
                                             {"DestinationId", "destinationId-000000000001"},
                                             {"ExtendedS3DestinationUpdate", {{"Prefix", "other/"}}}}),
            "ConcurrentModificationException");
  ok("UpdateDestination", {{"DeliveryStreamName", "managed"},
                           {"CurrentDeliveryStreamVersionId", "1"},
                           {"DestinationId", "destinationId-000000000001"},
                           {"ExtendedS3DestinationUpdate", {{"Prefix", "other/"}}}});
  auto d = ok("DescribeDeliveryStream", {{"DeliveryStreamName", "managed"}})["DeliveryStreamDescription"]
               .as_object();
  EXPECT_EQ(d["VersionId"], "2");
  auto dest = d["Destinations"].as_array()[0].as_object()["ExtendedS3DestinationDescription"].as_object();
  EXPECT_EQ(dest["Prefix"], "other/");
  EXPECT_EQ(dest["BufferingHints"].as_object()["IntervalInSeconds"].to_number<int>(), 60);

  ok("TagDeliveryStream", {{"DeliveryStreamName", "managed"},
                           {"Tags", json::array{json::object{{"Key", "team"}, {"Value", "data"}}}}});
  auto tags = ok("ListTagsForDeliveryStream", {{"DeliveryStreamName", "managed"}});
  EXPECT_EQ(tags["Tags"].as_array().size(), 1u);
  ok("StartDeliveryStreamEncryption", {{"DeliveryStreamName", "managed"}});
  d = ok("DescribeDeliveryStream", {{"DeliveryStreamName", "managed"}})["DeliveryStreamDescription"]
          .as_object();
  EXPECT_EQ(d["DeliveryStreamEncryptionConfiguration"].as_object()["Status"], "ENABLED");

  create("another", reference());
  auto list = ok("ListDeliveryStreams", {{"Limit", 1}});
  EXPECT_EQ(list["DeliveryStreamNames"].as_array().size(), 1u);
  EXPECT_EQ(list["DeliveryStreamNames"].as_array()[0], "another");
  EXPECT_TRUE(list["HasMoreDeliveryStreams"].as_bool());
  list = ok("ListDeliveryStreams", {{"ExclusiveStartDeliveryStreamName", "another"}});
  EXPECT_EQ(list["DeliveryStreamNames"].as_array().size(), 1u);
  EXPECT_FALSE(list["HasMoreDeliveryStreams"].as_bool());
  ok("DeleteDeliveryStream", {{"DeliveryStreamName", "another"}});
  EXPECT_EQ(error_code("DeleteDeliveryStream", {{"DeliveryStreamName", "another"}}),
            "ResourceNotFoundException");
}

TEST_F(FirehoseEngineTest, ServicePutsFromSns) {
  create("from-sns", reference(0));
  std::promise<ServicePutResult> result;
  engine_->put_service_record("arn:aws:firehose:us-east-1:000000000000:deliverystream/from-sns",
                              "arn:aws:iam::000000000000:role/sns", "{\"Type\":\"Notification\"}\n",
                              [&](ServicePutResult r) { result.set_value(std::move(r)); });
  EXPECT_EQ(result.get_future().get().outcome, ServicePutResult::Outcome::delivered);
  ASSERT_TRUE(engine_->wait_idle(5000));
  ASSERT_EQ(destination_.snapshot().size(), 1u);
  std::promise<ServicePutResult> missing;
  engine_->put_service_record("arn:aws:firehose:us-east-1:000000000000:deliverystream/nope",
                              "arn:aws:iam::000000000000:role/sns", "x",
                              [&](ServicePutResult r) { missing.set_value(std::move(r)); });
  EXPECT_EQ(missing.get_future().get().outcome, ServicePutResult::Outcome::rejected);
}

// SNS's fast path: the record rides in the caller's batch and joins the buffer only once that
// batch is settled as committed.
TEST_F(FirehoseEngineTest, StagedServiceRecordsAreStoredWithTheCallersBatch) {
  create("staged", reference());
  const std::string arn = "arn:aws:firehose:us-east-1:000000000000:deliverystream/staged";
  const std::string role = "arn:aws:iam::000000000000:role/sns";
  store::Batch refused;
  EXPECT_FALSE(engine_->stage_service_record("arn:aws:firehose:us-east-1:000000000000:deliverystream/nope",
                                             role, "x\n", refused));
  EXPECT_FALSE(engine_->stage_service_record(arn, "not-a-role", "x\n", refused));
  EXPECT_FALSE(
      engine_->stage_service_record(arn, role, std::string(std::size_t{1000} * 1024 + 1, 'x'), refused));
  EXPECT_TRUE(refused.empty());

  store::Batch committed;
  auto settle_committed = engine_->stage_service_record(arn, role, "kept", committed);
  ASSERT_TRUE(settle_committed);
  EXPECT_FALSE(committed.empty());
  store::Batch failed;
  auto settle_failed = engine_->stage_service_record(arn, role, "lost", failed);
  ASSERT_TRUE(settle_failed);
  ASSERT_TRUE(store_->write(std::move(committed)).ok);
  settle_committed(true);
  settle_failed(false);  // its batch never reached the store

  clock_.advance_ms(60'000);
  engine_->flush_due();
  ASSERT_TRUE(engine_->wait_idle(5000));
  ASSERT_EQ(destination_.snapshot().size(), 1u);
  EXPECT_EQ(destination_.snapshot()[0].body, "kept\n");
  // Delivered and forgotten: a restart delivers nothing again.
  EXPECT_EQ(restart_and_flush().size(), 1u);
}

// Batches staged into commit in any order, so an object's records can be out of sequence order
// with gaps (here 1, 5, 3, cut by the size hint, while 2 and 4 are uncommitted). Forgetting the
// object must erase exactly its records: 2 and 4, committed while it was being retried, survive
// a restart.
TEST_F(FirehoseEngineTest, RecordsBufferedOutOfSequenceOrderAreForgottenExactly) {
  create("shuffled", reference(60, 1));
  const std::string arn = "arn:aws:firehose:us-east-1:000000000000:deliverystream/shuffled";
  const std::string role = "arn:aws:iam::000000000000:role/sns";
  auto big = [](char c) { return std::string(std::size_t{400} * 1024, c); };  // three reach the 1 MiB hint
  const std::vector<std::string> data{big('1'), "2", big('3'), "4", big('5')};
  std::vector<store::Batch> batches(data.size());
  std::vector<std::function<void(bool)>> settle;
  for (std::size_t i = 0; i < data.size(); ++i) {
    settle.push_back(engine_->stage_service_record(arn, role, data[i], batches[i]));
    ASSERT_TRUE(settle.back());
  }
  auto commit = [&](std::size_t seq) {
    ASSERT_TRUE(store_->write(std::move(batches[seq - 1])).ok);
    settle[seq - 1](true);
  };
  destination_.failing = true;
  commit(1);
  commit(5);
  commit(3);  // cuts [1, 5, 3]; its writes fail and are retried
  for (int i = 0; i < 200 && destination_.failures < 1; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  commit(2);
  commit(4);
  {
    std::lock_guard lock(destination_.mutex);
    destination_.failing = false;
  }
  ASSERT_TRUE(engine_->wait_idle(5000));
  ASSERT_EQ(destination_.snapshot().size(), 1u);
  EXPECT_TRUE(destination_.snapshot()[0].body == data[0] + "\n" + data[4] + "\n" + data[2] + "\n");

  auto objects = restart_and_flush();
  ASSERT_EQ(objects.size(), 2u);
  EXPECT_TRUE(objects[1].body == "2\n4\n") << objects[1].body.substr(0, 16) << "...";
}

}  // namespace
}  // namespace fanout::services::firehose
