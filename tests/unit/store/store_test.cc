// Reads, writes, batches, column families and durability modes of the RocksDB store.
#include "store/store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "store/rocksdb_store.h"
#include "temp_dir.h"

namespace fanout::store {
namespace {

using namespace std::string_literals;
using testing::TempDir;

using Pairs = std::vector<std::pair<std::string, std::string>>;

Pairs scan_all(Store& store, std::string_view cf, std::string_view prefix) {
  Pairs out;
  store.scan(cf, prefix, [&](std::string_view key, std::string_view value) {
    out.emplace_back(key, value);
    return true;
  });
  return out;
}

class StoreTest : public ::testing::TestWithParam<Durability> {
 protected:
  std::unique_ptr<Store> open(std::vector<std::string> families = {"queues", "messages"}) {
    return Store::open({dir_.sub("db"), GetParam(), std::move(families)});
  }
  TempDir dir_;
};

TEST_P(StoreTest, PutGetErase) {
  auto store = open();
  EXPECT_EQ(store->durability(), GetParam());
  EXPECT_EQ(store->get("queues", "a"), std::nullopt);

  Batch batch;
  batch.put("queues", "a", "1");
  batch.put("messages", "a", "other family");
  ASSERT_TRUE(store->write(std::move(batch)).ok);
  EXPECT_EQ(store->get("queues", "a"), "1");
  EXPECT_EQ(store->get("messages", "a"), "other family");

  Batch erase;
  erase.erase("queues", "a");
  ASSERT_TRUE(store->write(std::move(erase)).ok);
  EXPECT_EQ(store->get("queues", "a"), std::nullopt);
  EXPECT_EQ(store->get("messages", "a"), "other family");
}

TEST_P(StoreTest, BinaryKeysAndValues) {
  auto store = open();
  const std::string key = "k\x00\xff\x01"s;
  const std::string value = "\x00\x00v\xff"s;
  Batch batch;
  batch.put("queues", key, value);
  ASSERT_TRUE(store->write(std::move(batch)).ok);
  EXPECT_EQ(store->get("queues", key), value);
  EXPECT_EQ(store->get("queues", "k"), std::nullopt);
}

TEST_P(StoreTest, EraseRangeIsHalfOpen) {
  auto store = open();
  Batch batch;
  for (const char* key : {"a", "b", "b1", "c", "d"}) batch.put("queues", key, key);
  ASSERT_TRUE(store->write(std::move(batch)).ok);

  Batch range;
  range.erase_range("queues", "b", "d");
  range.erase_range("queues", "z", "a");  // inverted: deletes nothing, fails nothing
  ASSERT_TRUE(store->write(std::move(range)).ok);
  EXPECT_EQ(scan_all(*store, "queues", ""), (Pairs{{"a", "a"}, {"d", "d"}}));
}

TEST_P(StoreTest, ScanStaysInsidePrefix) {
  auto store = open();
  const std::vector<std::string> keys = {
      "q/"s, "q/\x00"s, "q/\x00\x00"s, "q/a"s,          "q/\xff"s,    "q/\xff\xff"s, "q0"s, "q."s,
      "r"s,  "\xff"s,   "\xff\x00"s,   "\xff\xff\x01"s, "p\xff\xff"s, "\x00"s,       "q"s,
  };
  Batch batch;
  for (const std::string& key : keys) batch.put("queues", key, "v:" + key);
  ASSERT_TRUE(store->write(std::move(batch)).ok);

  auto keys_of = [](const Pairs& pairs) {
    std::vector<std::string> out;
    for (const auto& [key, value] : pairs) {
      EXPECT_EQ(value, "v:" + key);
      out.push_back(key);
    }
    return out;
  };
  EXPECT_EQ(keys_of(scan_all(*store, "queues", "q/")),
            (std::vector<std::string>{"q/"s, "q/\x00"s, "q/\x00\x00"s, "q/a"s, "q/\xff"s, "q/\xff\xff"s}));
  EXPECT_EQ(keys_of(scan_all(*store, "queues", "q/\xff"s)),
            (std::vector<std::string>{"q/\xff"s, "q/\xff\xff"s}));
  EXPECT_EQ(keys_of(scan_all(*store, "queues", "q/\x00"s)),
            (std::vector<std::string>{"q/\x00"s, "q/\x00\x00"s}));
  EXPECT_EQ(keys_of(scan_all(*store, "queues", "\xff"s)),
            (std::vector<std::string>{"\xff"s, "\xff\x00"s, "\xff\xff\x01"s}));
  EXPECT_EQ(keys_of(scan_all(*store, "queues", "\xff\xff"s)), (std::vector<std::string>{"\xff\xff\x01"s}));
  EXPECT_EQ(keys_of(scan_all(*store, "queues", "\x00"s)), (std::vector<std::string>{"\x00"s}));
  EXPECT_EQ(scan_all(*store, "queues", "").size(), keys.size());
  EXPECT_TRUE(scan_all(*store, "queues", "zzz").empty());
  EXPECT_TRUE(scan_all(*store, "messages", "").empty());
}

TEST_P(StoreTest, ScanStopsWhenVisitorSaysSo) {
  auto store = open();
  Batch batch;
  for (int i = 0; i < 10; ++i) batch.put("queues", "k" + std::to_string(i), "v");
  ASSERT_TRUE(store->write(std::move(batch)).ok);
  int visited = 0;
  store->scan("queues", "k", [&](std::string_view, std::string_view) { return ++visited < 3; });
  EXPECT_EQ(visited, 3);
}

TEST_P(StoreTest, BatchIsAllOrNothing) {
  auto store = open();
  Batch seed;
  seed.put("queues", "keep", "old");
  ASSERT_TRUE(store->write(std::move(seed)).ok);

  // One bad operation (unknown family) rejects the whole batch: nothing before it lands.
  Batch bad;
  bad.put("queues", "new", "x");
  bad.erase("queues", "keep");
  bad.put("no-such-family", "k", "v");
  const Status status = store->write(std::move(bad));
  EXPECT_FALSE(status.ok);
  EXPECT_NE(status.message.find("no-such-family"), std::string::npos) << status.message;
  EXPECT_EQ(store->get("queues", "new"), std::nullopt);
  EXPECT_EQ(store->get("queues", "keep"), "old");

  // A good batch mixing every operation applies in order.
  Batch good;
  good.put("queues", "a1", "x");
  good.put("queues", "a2", "x");
  good.erase_range("queues", "a", "b");
  good.put("queues", "a3", "x");
  good.put("messages", "m", "y");
  good.erase("queues", "keep");
  EXPECT_GT(good.size_bytes(), 0u);
  ASSERT_TRUE(store->write(std::move(good)).ok);
  EXPECT_EQ(scan_all(*store, "queues", ""), (Pairs{{"a3", "x"}}));
  EXPECT_EQ(store->get("messages", "m"), "y");
}

// get_many answers in the order asked, whatever the keys' order, with nullopt for absent and
// erased keys, binary values intact and duplicates answered twice.
TEST_P(StoreTest, GetManyAnswersInTheKeysOrder) {
  auto store = open();
  Batch batch;
  batch.put("messages", "m2", "two");
  batch.put("messages", "m1", "one");
  batch.put("messages", "m3", "gone");
  batch.put("messages", "m4", "bin\x00ary"s);
  batch.put("queues", "m5", "other family");
  ASSERT_TRUE(store->write(std::move(batch)).ok);
  Batch erase;
  erase.erase("messages", "m3");
  ASSERT_TRUE(store->write(std::move(erase)).ok);

  using Values = std::vector<std::optional<std::string>>;
  EXPECT_EQ(store->get_many("messages", {"m4", "m1", "m3", "m5", "m2", "m1"}),
            (Values{"bin\x00ary"s, "one", std::nullopt, std::nullopt, "two", "one"}));
  EXPECT_EQ(store->get_many("messages", {}), Values{});
}

// A write-only family (vector memtable, sorted only at flush) still answers scans in key order
// with the newest version of each key, erases and range erases applied, before and after a
// reopen replays its WAL; get() stays correct too.
TEST_P(StoreTest, WriteOnlyFamilyScansInKeyOrder) {
  auto open_write_only = [&] {
    Options options{dir_.sub("db"), GetParam(), {"meta"}};
    options.write_only_families = {"meta"};
    return Store::open(options);
  };
  const Pairs expected{{"a", "1"}, {"c", "3 again"}, {"e", "5"}, {"q/1", "kept"}};
  {
    auto store = open_write_only();
    // Out of key order, one write each, as meta records arrive.
    const Pairs writes{{"e", "5"}, {"c", "3"},   {"x/2", "3"},   {"a", "1"},
                       {"d", "3"}, {"x/1", "3"}, {"q/1", "kept"}};
    for (const auto& [key, value] : writes) {
      Batch batch;
      batch.put("meta", key, value);
      ASSERT_TRUE(store->write(std::move(batch)).ok);
    }
    Batch changes;
    changes.put("meta", "c", "3 again");  // the newer version wins
    changes.erase("meta", "d");
    changes.erase_range("meta", "x/", "x0");
    ASSERT_TRUE(store->write(std::move(changes)).ok);
    EXPECT_EQ(scan_all(*store, "meta", ""), expected);
    EXPECT_EQ(store->get("meta", "c"), "3 again");
    EXPECT_EQ(store->get("meta", "d"), std::nullopt);
  }
  if (GetParam() == Durability::memory) return;  // nothing to reopen
  auto reopened = open_write_only();
  EXPECT_EQ(scan_all(*reopened, "meta", ""), expected);
}

// A family with memtable insert hints (Options::sequenced_families, 2-byte prefix, 4-byte keys):
// puts, deletes and range deletes at keys of that length, interleaved across prefixes, leave
// exactly what a std::map would hold. RocksDB 7.8 would apply a point key's hint to the
// range-deletion skiplist if a range began inside the hint's domain; the store keeps every range's
// begin key outside it, deleting the same keys.
TEST_P(StoreTest, SequencedFamilyMatchesAModelUnderMixedWrites) {
  auto open_sequenced = [&] {
    Options options{dir_.sub("db"), GetParam(), {"bodies"}};
    options.sequenced_families = {{"bodies", 2, 4}};
    return Store::open(options);
  };
  auto key = [](int prefix, int seq) {
    return std::string{char('p'), char('0' + prefix), char(seq >> 8), char(seq & 0xff)};
  };
  std::map<std::string, std::string> model;
  std::uint32_t random = 12345;
  auto next = [&](std::uint32_t bound) {
    random = random * 1103515245 + 12345;
    return (random >> 8) % bound;
  };
  {
    auto store = open_sequenced();
    int appended[3] = {0, 0, 0};
    for (int round = 0; round < 400; ++round) {
      Batch batch;
      for (int op = 0; op < 8; ++op) {
        const int prefix = static_cast<int>(next(3));
        const auto choice = next(10);
        if (choice < 6) {  // append to the prefix's run, as sends do
          const std::string k = key(prefix, ++appended[prefix]);
          batch.put("bodies", k, "v" + std::to_string(round));
          model[k] = "v" + std::to_string(round);
        } else if (choice < 9) {  // delete a recent key of the run, as deletes after receives do
          const int seq = appended[prefix] - static_cast<int>(next(20));
          const std::string k = key(prefix, std::max(seq, 0));
          batch.erase("bodies", k);
          model.erase(k);
        } else {  // a range whose begin is a whole key, as a purge's is
          const int first = static_cast<int>(next(static_cast<std::uint32_t>(appended[prefix]) + 1));
          const std::string begin = key(prefix, first);
          const std::string end = key(prefix, first + static_cast<int>(next(5)));
          batch.erase_range("bodies", begin, end);
          model.erase(model.lower_bound(begin), model.lower_bound(end));
        }
      }
      ASSERT_TRUE(store->write(std::move(batch)).ok);
    }
    EXPECT_EQ(scan_all(*store, "bodies", ""), Pairs(model.begin(), model.end()));
    for (int seq = 0; seq <= appended[1]; ++seq) {
      const auto found = model.find(key(1, seq));
      EXPECT_EQ(store->get("bodies", key(1, seq)),
                found == model.end() ? std::nullopt : std::optional<std::string>(found->second));
    }
    // A range starting at a whole key deletes that key and the one right after it.
    Batch edge;
    edge.put("bodies", key(2, 900), "a");
    edge.put("bodies", key(2, 901), "b");
    edge.put("bodies", key(2, 902), "c");
    ASSERT_TRUE(store->write(std::move(edge)).ok);
    Batch range;
    range.erase_range("bodies", key(2, 900), key(2, 902));
    ASSERT_TRUE(store->write(std::move(range)).ok);
    EXPECT_EQ(store->get("bodies", key(2, 900)), std::nullopt);
    EXPECT_EQ(store->get("bodies", key(2, 901)), std::nullopt);
    EXPECT_EQ(store->get("bodies", key(2, 902)), "c");
    model[key(2, 902)] = "c";
  }
  if (GetParam() == Durability::memory) return;  // nothing to reopen
  auto reopened = open_sequenced();
  EXPECT_EQ(scan_all(*reopened, "bodies", ""), Pairs(model.begin(), model.end()));
}

TEST_P(StoreTest, UnknownFamilyOnReadThrows) {
  auto store = open();
  EXPECT_THROW(store->get("nope", "k"), std::invalid_argument);
  EXPECT_THROW(store->get_many("nope", {"k"}), std::invalid_argument);
  EXPECT_THROW(store->scan("nope", "", [](auto, auto) { return true; }), std::invalid_argument);
}

TEST_P(StoreTest, WipeEmptiesEveryFamily) {
  auto store = open();
  Batch batch;
  for (int i = 0; i < 100; ++i) {
    batch.put("queues", "k" + std::to_string(i), "v");
    batch.put("messages", "\xff\xff"s + std::to_string(i), "v");
    batch.put("default", "\x00"s + std::to_string(i), "v");
  }
  ASSERT_TRUE(store->write(std::move(batch)).ok);
  Batch pending;
  pending.put("queues", "committed-before-wipe", "v");
  store->commit(std::move(pending), nullptr);

  ASSERT_TRUE(store->wipe().ok);
  for (const char* cf : {"queues", "messages", "default"})
    EXPECT_TRUE(scan_all(*store, cf, "").empty()) << cf;
  ASSERT_TRUE(store->wipe().ok);  // wiping an empty store is fine

  Batch after;
  after.put("queues", "k1", "fresh");
  ASSERT_TRUE(store->write(std::move(after)).ok);
  EXPECT_EQ(store->get("queues", "k1"), "fresh");
}

TEST_P(StoreTest, EmptyAndMovedFromBatches) {
  auto store = open();
  Batch batch;
  EXPECT_TRUE(batch.empty());
  EXPECT_TRUE(store->write(Batch()).ok);
  batch.put("queues", "a", "1");
  Batch moved = std::move(batch);
  // cppcheck-suppress accessMoved
  EXPECT_TRUE(store->write(std::move(batch)).ok);  // NOLINT(bugprone-use-after-move): on purpose
  batch.put("queues", "b", "2");  // NOLINT(bugprone-use-after-move): a moved-from batch is reusable
  ASSERT_TRUE(store->write(std::move(moved)).ok);
  ASSERT_TRUE(store->write(std::move(batch)).ok);
  EXPECT_EQ(store->get("queues", "a"), "1");
  EXPECT_EQ(store->get("queues", "b"), "2");
}

INSTANTIATE_TEST_SUITE_P(Modes, StoreTest,
                         ::testing::Values(Durability::fsync, Durability::relaxed, Durability::memory),
                         [](const auto& info) {
                           switch (info.param) {
                             case Durability::fsync:
                               return "fsync";
                             case Durability::relaxed:
                               return "relaxed";
                             case Durability::memory:
                               return "memory";
                           }
                           return "unknown";
                         });

TEST(ParseDurability, KnownAndUnknown) {
  EXPECT_EQ(parse_durability("fsync"), Durability::fsync);
  EXPECT_EQ(parse_durability("relaxed"), Durability::relaxed);
  EXPECT_EQ(parse_durability("memory"), Durability::memory);
  EXPECT_EQ(parse_durability("FSYNC"), std::nullopt);
  EXPECT_EQ(parse_durability(""), std::nullopt);
}

TEST(StorePersistence, FamiliesAndDataSurviveReopen) {
  TempDir dir;
  for (Durability mode : {Durability::fsync, Durability::relaxed}) {
    const std::string path = dir.sub(mode == Durability::fsync ? "fsync" : "relaxed");
    {
      auto store = Store::open({path, mode, {"old", "shared"}});
      Batch batch;
      batch.put("old", "k", "from an older version");
      batch.put("shared", "k", "v");
      ASSERT_TRUE(store->write(std::move(batch)).ok);
      Batch committed;
      committed.put("shared", "c", "committed");
      store->commit(std::move(committed), nullptr);
    }
    // A newer build asks for different families; the one it dropped still opens.
    auto reopened = RocksStore::open({path, mode, {"shared", "new"}});
    EXPECT_EQ(reopened->column_families(), (std::vector<std::string>{"default", "new", "old", "shared"}));
    EXPECT_EQ(reopened->get("old", "k"), "from an older version");
    EXPECT_EQ(reopened->get("shared", "k"), "v");
    EXPECT_EQ(reopened->get("shared", "c"), "committed");
    EXPECT_EQ(reopened->get("new", "k"), std::nullopt);
  }
}

TEST(StoreMemory, LeavesNoFiles) {
  TempDir dir;
  const std::string path = dir.sub("never-created");
  {
    auto store = Store::open({path, Durability::memory, {"queues"}});
    Batch batch;
    for (int i = 0; i < 1000; ++i) batch.put("queues", "k" + std::to_string(i), std::string(1000, 'x'));
    ASSERT_TRUE(store->write(std::move(batch)).ok);
    Batch committed;
    committed.put("queues", "c", "v");
    store->commit(std::move(committed), nullptr);
    store->flush();
    EXPECT_EQ(store->get("queues", "c"), "v");
    EXPECT_EQ(store->sync_count(), 0u);
  }
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));

  // Each memory store starts empty.
  auto fresh = Store::open({path, Durability::memory, {"queues"}});
  EXPECT_EQ(fresh->get("queues", "c"), std::nullopt);
}

}  // namespace
}  // namespace fanout::store
