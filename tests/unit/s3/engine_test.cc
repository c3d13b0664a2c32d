// S3Engine on a real RocksDB store and real files in a temp dir.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>

#include "common/clock.h"
#include "common/crypto.h"
#include "services/s3/engine_internal.h"
#include "services/s3/s3_engine.h"
#include "store/store.h"

namespace fanout::services::s3 {
namespace {

namespace fs = std::filesystem;
constexpr const char* kAccount = "123456789012";
constexpr const char* kOther = "210987654321";

class S3EngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "fanout-s3-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    open();
  }
  void TearDown() override {
    engine_.reset();
    store_.reset();
    fs::remove_all(dir_);
  }
  void open() {
    store::Options options;
    options.dir = dir_ + "/store";
    options.column_families = S3Engine::column_families();
    store_ = store::Store::open(options);
    engine_ = std::make_unique<S3Engine>(*store_, clock_, dir_, "us-east-1", true);
  }
  void reopen() {
    engine_.reset();
    store_.reset();
    open();
  }
  LocalPutResult put(const std::string& bucket, const std::string& key, const std::string& body) {
    std::promise<LocalPutResult> done;
    engine_->put_object(LocalPutObject{kAccount, bucket, key, "text/plain", "", body, {}},
                        [&](LocalPutResult r) { done.set_value(std::move(r)); });
    return done.get_future().get();
  }
  std::string read(const std::string& bucket, const std::string& key) {
    auto meta = engine_->head_object(kAccount, bucket, key);
    if (!std::holds_alternative<ObjectMeta>(meta)) return "<missing>";
    std::ifstream in(engine_->object_file(kAccount, bucket, std::get<ObjectMeta>(meta)));
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }
  std::string bucket_dir(const std::string& bucket) { return dir_ + "/s3/" + kAccount + "/" + bucket; }
  // A request body as the front end leaves it: a temp file with its size and MD5.
  StagedBody stage(const std::string& data) {
    StagedBody body;
    body.temp_path = engine_->new_temp_path();
    std::ofstream(body.temp_path, std::ios::binary) << data;
    body.size = data.size();
    body.md5 = crypto::md5(data);
    return body;
  }
  // Part n of multipart upload `id` of mpu/big.
  Outcome<PartSummary> upload_part(const std::string& id, int n, const std::string& data) {
    std::promise<Outcome<PartSummary>> done;
    engine_->upload_part(kAccount, "mpu", "big", id, n, stage(data),
                         [&](Outcome<PartSummary> o) { done.set_value(std::move(o)); });
    return done.get_future().get();
  }

  std::string dir_;
  ManualClock clock_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<S3Engine> engine_;
};

TEST_F(S3EngineTest, ObjectsArePlainFilesAtTheirKeys) {
  ASSERT_EQ(engine_->create_bucket(kAccount, "landing", "us-east-1"), std::nullopt);
  auto result = put("landing", "landing_date=2024-01-02/part-1.json", "{\"a\":1}\n");
  ASSERT_FALSE(result.error);
  EXPECT_EQ(result.etag, "\"" + crypto::hex(crypto::md5("{\"a\":1}\n")) + "\"");
  EXPECT_TRUE(fs::is_directory(bucket_dir("landing") + "/landing_date=2024-01-02"));
  EXPECT_TRUE(fs::is_regular_file(bucket_dir("landing") + "/landing_date=2024-01-02/part-1.json"));
  EXPECT_EQ(read("landing", "landing_date=2024-01-02/part-1.json"), "{\"a\":1}\n");
  EXPECT_TRUE(engine_->bucket_exists(kAccount, "landing"));
  EXPECT_FALSE(engine_->bucket_exists(kOther, "landing"));
}

TEST_F(S3EngineTest, FileAndDirectoryOfTheSameNameCoexist) {
  ASSERT_EQ(engine_->create_bucket(kAccount, "b1b", "us-east-1"), std::nullopt);
  ASSERT_FALSE(put("b1b", "a", "file a").error);
  ASSERT_FALSE(put("b1b", "a/b", "file a/b").error);
  ASSERT_FALSE(put("b1b", "c/d", "file c/d").error);
  ASSERT_FALSE(put("b1b", "c", "file c").error);
  EXPECT_EQ(read("b1b", "a"), "file a");
  EXPECT_EQ(read("b1b", "a/b"), "file a/b");
  EXPECT_EQ(read("b1b", "c"), "file c");
  EXPECT_EQ(read("b1b", "c/d"), "file c/d");
  ASSERT_EQ(engine_->delete_object(kAccount, "b1b", "c/d"), std::nullopt);
  EXPECT_EQ(read("b1b", "c"), "file c");
  EXPECT_FALSE(fs::exists(bucket_dir("b1b") + "/c/d"));
  // Overwriting keeps one file per key.
  ASSERT_FALSE(put("b1b", "a", "file a v2").error);
  EXPECT_EQ(read("b1b", "a"), "file a v2");
  reopen();
  EXPECT_EQ(read("b1b", "a"), "file a v2");
  EXPECT_EQ(read("b1b", "a/b"), "file a/b");
  EXPECT_EQ(read("b1b", "c"), "file c");
}

TEST_F(S3EngineTest, TraversalKeysStayInsideTheBucket) {
  ASSERT_EQ(engine_->create_bucket(kAccount, "jail", "us-east-1"), std::nullopt);
  for (const std::string& key : std::vector<std::string>{"../../outside", "/abs", "a/../../b", "x//y", "dir/",
                                                         std::string("n\0l", 3), ".."}) {
    ASSERT_FALSE(put("jail", key, "data:" + key).error) << key;
    EXPECT_EQ(read("jail", key), "data:" + key);
  }
  for (const auto& entry : fs::recursive_directory_iterator(dir_)) {
    auto rel = entry.path().lexically_relative(dir_).string();
    bool inside = rel.starts_with("s3/" + std::string(kAccount) + "/jail") || rel.starts_with("store") ||
                  rel.starts_with("s3/.tmp") || rel.starts_with("s3/.uploads") || rel == "s3" ||
                  rel == "s3/" + std::string(kAccount);
    EXPECT_TRUE(inside) << rel;
  }
  EXPECT_FALSE(fs::exists(dir_ + "/outside"));
  EXPECT_FALSE(fs::exists(dir_ + "/s3/outside"));
}

TEST_F(S3EngineTest, ListingsWithPrefixDelimiterAndMarkers) {
  ASSERT_EQ(engine_->create_bucket(kAccount, "list", "us-east-1"), std::nullopt);
  for (const char* key : {"a/1", "a/2", "b", "c/x/1", "c/y", "d"}) ASSERT_FALSE(put("list", key, key).error);
  ListQuery q;
  q.delimiter = "/";
  auto r = std::get<ListResult>(engine_->list_objects(kAccount, "list", q));
  EXPECT_EQ(r.common_prefixes, (std::vector<std::string>{"a/", "c/"}));
  ASSERT_EQ(r.objects.size(), 2u);
  EXPECT_EQ(r.objects[0].key, "b");
  q.max_keys = 1;
  r = std::get<ListResult>(engine_->list_objects(kAccount, "list", q));
  EXPECT_TRUE(r.truncated);
  EXPECT_EQ(r.next_marker, "a/");
  q.start_after = r.next_marker;
  r = std::get<ListResult>(engine_->list_objects(kAccount, "list", q));
  ASSERT_EQ(r.objects.size(), 1u);
  EXPECT_EQ(r.objects[0].key, "b");
  ListQuery p;
  p.prefix = "c/";
  p.delimiter = "/";
  r = std::get<ListResult>(engine_->list_objects(kAccount, "list", p));
  EXPECT_EQ(r.common_prefixes, (std::vector<std::string>{"c/x/"}));
  ASSERT_EQ(r.objects.size(), 1u);
  EXPECT_EQ(r.objects[0].key, "c/y");
}

TEST_F(S3EngineTest, BucketErrors) {
  ASSERT_EQ(engine_->create_bucket(kAccount, "taken", "us-east-1"), std::nullopt);
  EXPECT_EQ(engine_->create_bucket(kAccount, "taken", "us-east-1"), std::nullopt);  // us-east-1: 200 again
  EXPECT_EQ(engine_->create_bucket(kOther, "taken", "us-east-1")->code, "BucketAlreadyExists");
  ASSERT_EQ(engine_->create_bucket(kAccount, "west", "eu-west-1"), std::nullopt);
  EXPECT_EQ(engine_->create_bucket(kAccount, "west", "eu-west-1")->code, "BucketAlreadyOwnedByYou");
  EXPECT_EQ(engine_->create_bucket(kAccount, "Bad_Name", "us-east-1")->code, "InvalidBucketName");
  ASSERT_FALSE(put("taken", "k", "v").error);
  EXPECT_EQ(engine_->delete_bucket(kAccount, "taken")->code, "BucketNotEmpty");
  EXPECT_EQ(engine_->delete_bucket(kAccount, "nope")->code, "NoSuchBucket");
  EXPECT_EQ(put("nope", "k", "v").error->code, "NoSuchBucket");
  ASSERT_EQ(engine_->delete_object(kAccount, "taken", "k"), std::nullopt);
  EXPECT_EQ(engine_->delete_bucket(kAccount, "taken"), std::nullopt);
  EXPECT_FALSE(fs::exists(bucket_dir("taken")));
  EXPECT_EQ(engine_->put_bucket_policy(kAccount, "west", "{\"Version\":\"2012-10-17\"}"), std::nullopt);
  EXPECT_EQ(std::get<std::string>(engine_->get_bucket_policy(kAccount, "west")),
            "{\"Version\":\"2012-10-17\"}");
  EXPECT_EQ(engine_->put_bucket_policy(kAccount, "west", "not json")->code, "MalformedPolicy");
}

TEST_F(S3EngineTest, RestartReconcilesFilesAndMetadata) {
  ASSERT_EQ(engine_->create_bucket(kAccount, "rec", "us-east-1"), std::nullopt);
  ASSERT_FALSE(put("rec", "keep", "kept").error);
  ASSERT_FALSE(put("rec", "lost/file", "gone").error);
  reopen();
  // A crash between rename and metadata commit leaves a file nobody knows; a lost rename leaves
  // metadata without a file; an interrupted upload leaves a temp file.
  engine_.reset();
  std::ofstream(bucket_dir("rec") + "/orphan") << "half";
  fs::remove(bucket_dir("rec") + "/lost/file");
  std::ofstream(dir_ + "/s3/.tmp/123-456") << "partial";
  store_.reset();
  open();
  EXPECT_EQ(read("rec", "keep"), "kept");
  EXPECT_EQ(read("rec", "lost/file"), "<missing>");
  EXPECT_FALSE(fs::exists(bucket_dir("rec") + "/orphan"));
  EXPECT_FALSE(fs::exists(dir_ + "/s3/.tmp/123-456"));
  auto r = std::get<ListResult>(engine_->list_objects(kAccount, "rec", ListQuery{}));
  ASSERT_EQ(r.objects.size(), 1u);
}

TEST_F(S3EngineTest, MultipartRules) {
  ASSERT_EQ(engine_->create_bucket(kAccount, "mpu", "us-east-1"), std::nullopt);
  auto id = std::get<std::string>(engine_->create_multipart_upload(kAccount, "mpu", "big", {}));
  auto upload = [&](int n, const std::string& data) { return upload_part(id, n, data); };
  auto complete = [&](const std::vector<CompletedPart>& parts) {
    std::promise<Outcome<ObjectMeta>> done;
    engine_->complete_multipart_upload(kAccount, "mpu", "big", id, parts,
                                       [&](Outcome<ObjectMeta> o) { done.set_value(std::move(o)); });
    return done.get_future().get();
  };
  std::string part1(5 << 20, 'x'), part2 = "tail";
  auto p1 = std::get<PartSummary>(upload(1, "small"));
  auto p2 = std::get<PartSummary>(upload(2, part2));
  EXPECT_EQ(std::get<protocol::ServiceError>(complete({{1, p1.etag}, {2, p2.etag}})).code, "EntityTooSmall");
  p1 = std::get<PartSummary>(upload(1, part1));
  EXPECT_EQ(std::get<protocol::ServiceError>(complete({{2, p2.etag}, {1, p1.etag}})).code,
            "InvalidPartOrder");
  EXPECT_EQ(std::get<protocol::ServiceError>(complete({{1, "\"nope\""}})).code, "InvalidPart");
  EXPECT_EQ(std::get<std::vector<PartSummary>>(engine_->list_parts(kAccount, "mpu", "big", id)).size(), 2u);
  auto meta = std::get<ObjectMeta>(complete({{1, p1.etag}, {2, p2.etag}}));
  EXPECT_EQ(meta.etag, "\"" + crypto::hex(crypto::md5(crypto::md5(part1) + crypto::md5(part2))) + "-2\"");
  EXPECT_EQ(meta.size, part1.size() + part2.size());
  EXPECT_EQ(read("mpu", "big"), part1 + part2);
  EXPECT_EQ(std::get<protocol::ServiceError>(engine_->list_parts(kAccount, "mpu", "big", id)).code,
            "NoSuchUpload");
  EXPECT_EQ(engine_->abort_multipart_upload(kAccount, "mpu", "big", id)->code, "NoSuchUpload");
}

// Part records are "<upload id>/<part number>" -> ObjectMeta. A damaged one must not stop the
// server from starting (it used to throw out of std::stoi) nor turn into a bogus part.
TEST_F(S3EngineTest, RestartDropsUnreadablePartRecords) {
  ASSERT_EQ(engine_->create_bucket(kAccount, "mpu", "us-east-1"), std::nullopt);
  auto id = std::get<std::string>(engine_->create_multipart_upload(kAccount, "mpu", "big", {}));
  ASSERT_TRUE(std::holds_alternative<PartSummary>(upload_part(id, 1, "part one")));
  const auto record = store_->get(std::string(kPartsCf), id + "/00001");
  ASSERT_TRUE(record.has_value());

  engine_.reset();
  store::Batch damage;
  for (const std::string& key :
       {id + "/abc", id + "/0", id + "/10001", id + "/99999999999", id + "/2x", id}) {
    damage.put(std::string(kPartsCf), key, *record);
  }
  ASSERT_TRUE(store_->write(std::move(damage)).ok);
  store_.reset();
  open();

  auto parts = std::get<std::vector<PartSummary>>(engine_->list_parts(kAccount, "mpu", "big", id));
  ASSERT_EQ(parts.size(), 1u);
  EXPECT_EQ(parts[0].part_number, 1);
  std::size_t left = 0;
  store_->scan(std::string(kPartsCf), "", [&](std::string_view, std::string_view) { return ++left, true; });
  EXPECT_EQ(left, 1u) << "the unreadable records are erased at start";
}

// A stored part whose ETag is not the hex MD5 this server wrote cannot be folded into the
// multipart ETag: completing fails with a 500, not an exception out of the engine.
TEST_F(S3EngineTest, CompleteRefusesAPartWithADamagedStoredEtag) {
  ASSERT_EQ(engine_->create_bucket(kAccount, "mpu", "us-east-1"), std::nullopt);
  auto id = std::get<std::string>(engine_->create_multipart_upload(kAccount, "mpu", "big", {}));
  ASSERT_TRUE(std::holds_alternative<PartSummary>(upload_part(id, 1, "only part")));

  engine_.reset();
  auto meta = decode_object_meta(*store_->get(std::string(kPartsCf), id + "/00001"));
  ASSERT_TRUE(meta.has_value());
  meta->etag = "\"zz-not-hex\"";
  store::Batch damage;
  damage.put(std::string(kPartsCf), id + "/00001", encode_object_meta(*meta));
  ASSERT_TRUE(store_->write(std::move(damage)).ok);
  store_.reset();
  open();

  std::promise<Outcome<ObjectMeta>> completed;
  engine_->complete_multipart_upload(kAccount, "mpu", "big", id, {{1, meta->etag}},
                                     [&](Outcome<ObjectMeta> o) { completed.set_value(std::move(o)); });
  auto outcome = completed.get_future().get();
  ASSERT_TRUE(std::holds_alternative<protocol::ServiceError>(outcome));
  EXPECT_EQ(std::get<protocol::ServiceError>(outcome).code, "InternalError");
  EXPECT_EQ(read("mpu", "big"), "<missing>");
}

}  // namespace
}  // namespace fanout::services::s3
