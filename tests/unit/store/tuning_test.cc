// Store tuning that exists for latency, checked where RocksDB records it: the OPTIONS file it
// writes at every open.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "store/store.h"
#include "temp_dir.h"

namespace fanout::store {
namespace {

using testing::TempDir;

// The newest OPTIONS-* file's text (RocksDB writes one per open).
std::string options_file_text(const std::string& dir) {
  std::filesystem::path newest;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("OPTIONS-", 0) == 0 && (newest.empty() || name > newest.filename().string())) {
      newest = entry.path();
    }
  }
  std::ifstream in(newest);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The value of `key` in the family's [<section> "family"] section, "" if absent.
std::string section_option(const std::string& options_text, const std::string& section,
                           const std::string& family, const std::string& key) {
  const std::string header = "[" + section + " \"" + family + "\"]";
  const std::size_t start = options_text.find(header);
  if (start == std::string::npos) return "";
  const std::size_t end = options_text.find("\n[", start + header.size());
  std::istringstream lines(options_text.substr(start, end - start));
  for (std::string line; std::getline(lines, line);) {
    const std::size_t at = line.find_first_not_of(' ');
    if (at != std::string::npos && line.compare(at, key.size() + 1, key + "=") == 0) {
      return line.substr(at + key.size() + 1);
    }
  }
  return "";
}

std::string family_option(const std::string& options_text, const std::string& family,
                          const std::string& key) {
  return section_option(options_text, "CFOptions", family, key);
}

std::string table_option(const std::string& options_text, const std::string& family, const std::string& key) {
  return section_option(options_text, "TableOptions/BlockBasedTable", family, key);
}

// Opens a store with these families and this tuning in a fresh directory and returns the OPTIONS
// file RocksDB wrote for it.
std::string options_text_for(std::vector<std::string> families, std::vector<std::string> point_read,
                             std::vector<std::string> write_only) {
  TempDir dir;
  const std::string path = dir.sub("db");
  Options options{path, Durability::fsync, std::move(families)};
  options.point_read_families = std::move(point_read);
  options.write_only_families = std::move(write_only);
  auto store = Store::open(options);
  return options_file_text(path);
}

// A memtable's bloom filter is zeroed when the memtable is created, inside the write path, and a
// full WAL switches every family's memtable at once: only point-read families pay for one.
TEST(StoreTuning, MemtableBloomFilterOnlyInPointReadFamilies) {
  const std::string text = options_text_for({"bodies", "records"}, {"bodies"}, {});
  ASSERT_NE(text.find("[CFOptions \"bodies\"]"), std::string::npos) << text;
  EXPECT_EQ(family_option(text, "bodies", "memtable_prefix_bloom_size_ratio"), "0.020000");
  EXPECT_EQ(family_option(text, "bodies", "memtable_whole_key_filtering"), "true");
  EXPECT_EQ(family_option(text, "records", "memtable_prefix_bloom_size_ratio"), "0.000000");
  EXPECT_EQ(family_option(text, "default", "memtable_prefix_bloom_size_ratio"), "0.000000");
}

// What a flush writes is what a point-read family reads next (an SQS receive reads the bodies
// sent just before it): its flushes fill the block cache; other families' flushes do not.
TEST(StoreTuning, FlushFillsTheBlockCacheOnlyInPointReadFamilies) {
  const std::string text = options_text_for({"bodies", "records"}, {"bodies"}, {});
  ASSERT_NE(text.find("[TableOptions/BlockBasedTable \"bodies\"]"), std::string::npos) << text;
  EXPECT_EQ(table_option(text, "bodies", "prepopulate_block_cache"), "kFlushOnly");
  EXPECT_EQ(table_option(text, "records", "prepopulate_block_cache"), "kDisable");
  EXPECT_EQ(table_option(text, "default", "prepopulate_block_cache"), "kDisable");
}

// Write-only families get an unsorted vector memtable; the others keep the skiplist that point
// reads need.
TEST(StoreTuning, WriteOnlyFamiliesHaveVectorMemtables) {
  const std::string text = options_text_for({"meta", "records"}, {}, {"meta"});
  ASSERT_NE(text.find("[CFOptions \"meta\"]"), std::string::npos) << text;
  // RocksDB writes e.g. "{id=VectorRepFactory;count=0;}" or "SkipListFactory".
  const auto factory = [&](const std::string& family) {
    std::string value = family_option(text, family, "memtable_factory");
    for (const char* name : {"VectorRepFactory", "SkipListFactory"}) {
      if (value.find(name) != std::string::npos) return std::string(name);
    }
    return value;
  };
  EXPECT_EQ(factory("meta"), "VectorRepFactory");
  EXPECT_EQ(factory("records"), "SkipListFactory");
  EXPECT_EQ(factory("default"), "SkipListFactory");
}

}  // namespace
}  // namespace fanout::store
