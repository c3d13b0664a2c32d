// Opening unusable data directories fails loudly, naming the directory and RocksDB's reason.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "store/store.h"
#include "temp_dir.h"

namespace fanout::store {
namespace {

using testing::TempDir;

void create_store(const std::string& path) {
  auto store = Store::open({path, Durability::fsync, {"queues"}});
  Batch batch;
  batch.put("queues", "k", "v");
  ASSERT_TRUE(store->write(std::move(batch)).ok);
}

void overwrite(const std::filesystem::path& file, const std::string& garbage) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << garbage;
}

std::filesystem::path find_manifest(const std::string& dir) {
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().filename().string().rfind("MANIFEST-", 0) == 0) return entry.path();
  }
  return {};
}

// Returns the message of the runtime_error open() throws ("" if it did not throw).
std::string open_error(const std::string& path) {
  try {
    Store::open({path, Durability::fsync, {"queues"}});
  } catch (const std::runtime_error& error) {
    return error.what();
  }
  return "";
}

TEST(StoreOpen, GarbageCurrentFileThrows) {
  TempDir dir;
  const std::string path = dir.sub("db");
  create_store(path);
  overwrite(std::filesystem::path(path) / "CURRENT", "\x01\x02 not a manifest name");
  const std::string message = open_error(path);
  ASSERT_FALSE(message.empty());
  EXPECT_NE(message.find(path), std::string::npos) << message;
  EXPECT_NE(message.find("Corruption"), std::string::npos) << message;
}

TEST(StoreOpen, GarbageManifestThrows) {
  TempDir dir;
  const std::string path = dir.sub("db");
  create_store(path);
  const auto manifest = find_manifest(path);
  ASSERT_FALSE(manifest.empty());
  overwrite(manifest, std::string(4096, '\x5a'));
  const std::string message = open_error(path);
  ASSERT_FALSE(message.empty());
  EXPECT_NE(message.find(path), std::string::npos) << message;
  EXPECT_NE(message.find("Corruption"), std::string::npos) << message;
}

TEST(StoreOpen, MissingCurrentDoesNotSilentlyStartEmpty) {
  TempDir dir;
  const std::string path = dir.sub("db");
  create_store(path);
  std::filesystem::remove(std::filesystem::path(path) / "CURRENT");
  const std::string message = open_error(path);
  EXPECT_NE(message.find("CURRENT"), std::string::npos) << message;
}

TEST(StoreOpen, DirectoryInUseThrows) {
  TempDir dir;
  const std::string path = dir.sub("db");
  auto first = Store::open({path, Durability::fsync, {"queues"}});
  const std::string message = open_error(path);
  EXPECT_NE(message.find(path), std::string::npos) << message;
  EXPECT_NE(message.find("lock"), std::string::npos) << message;
}

TEST(StoreOpen, UnusableDirectoryThrows) {
  TempDir dir;
  const auto file = dir.path() / "a-file";
  overwrite(file, "x");
  const std::string message = open_error((file / "db").string());
  EXPECT_NE(message.find((file / "db").string()), std::string::npos) << message;
}

TEST(StoreOpen, CreatesMissingDirectories) {
  TempDir dir;
  const std::string path = dir.sub("a/b/c");
  create_store(path);
  EXPECT_TRUE(std::filesystem::exists(std::filesystem::path(path) / "CURRENT"));
}

}  // namespace
}  // namespace fanout::store
