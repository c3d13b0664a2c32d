// A full disk (ENOSPC on every file write) fails the affected commits with RocksDB's message,
// keeps reads working, and the store recovers by itself once space returns.
#include <gtest/gtest.h>
#include <rocksdb/env.h>
#include <rocksdb/file_system.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/rocksdb_store.h"
#include "temp_dir.h"

namespace fanout::store {
namespace {

using testing::TempDir;

// A full disk as Linux presents one while `full` is set: files can still be created, but every
// write and sync fails with ENOSPC and the free space reads zero.
class FullDiskFileSystem : public rocksdb::FileSystemWrapper {
 public:
  explicit FullDiskFileSystem(const std::shared_ptr<rocksdb::FileSystem>& target)
      : FileSystemWrapper(target) {}
  const char* Name() const override { return "FullDiskFileSystem"; }

  rocksdb::IOStatus NewWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* result,
                                    rocksdb::IODebugContext* dbg) override {
    std::unique_ptr<rocksdb::FSWritableFile> file;
    rocksdb::IOStatus status = target()->NewWritableFile(name, options, &file, dbg);
    if (status.ok()) *result = std::make_unique<File>(std::move(file), full);
    return status;
  }

  rocksdb::IOStatus GetFreeSpace(const std::string& path, const rocksdb::IOOptions& options,
                                 std::uint64_t* free, rocksdb::IODebugContext* dbg) override {
    if (!full) return target()->GetFreeSpace(path, options, free, dbg);
    *free = 0;
    return rocksdb::IOStatus::OK();
  }

  static rocksdb::IOStatus no_space() { return rocksdb::IOStatus::NoSpace("injected"); }

  std::atomic<bool> full{false};

 private:
  class File : public rocksdb::FSWritableFileOwnerWrapper {
   public:
    File(std::unique_ptr<rocksdb::FSWritableFile> target, const std::atomic<bool>& full)
        : FSWritableFileOwnerWrapper(std::move(target)), full_(full) {}
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                             rocksdb::IODebugContext* dbg) override {
      return full_ ? no_space() : FSWritableFileOwnerWrapper::Append(data, options, dbg);
    }
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                             const rocksdb::DataVerificationInfo& info,
                             rocksdb::IODebugContext* dbg) override {
      return full_ ? no_space() : FSWritableFileOwnerWrapper::Append(data, options, info, dbg);
    }
    rocksdb::IOStatus Sync(const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) override {
      return full_ ? no_space() : FSWritableFileOwnerWrapper::Sync(options, dbg);
    }
    rocksdb::IOStatus Fsync(const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) override {
      return full_ ? no_space() : FSWritableFileOwnerWrapper::Fsync(options, dbg);
    }

   private:
    const std::atomic<bool>& full_;
  };
};

Batch put(std::string_view key) {
  Batch batch;
  batch.put("t", key, "v");
  return batch;
}

TEST(StoreNoSpace, FailsCommitsKeepsReadsAndRecovers) {
  TempDir dir;
  const std::string path = dir.sub("db");
  auto fs = std::make_shared<FullDiskFileSystem>(rocksdb::FileSystem::Default());
  std::unique_ptr<rocksdb::Env> env = rocksdb::NewCompositeEnv(fs);
  {
    auto store = RocksStore::open({path, Durability::fsync, {"t"}}, env.get());
    ASSERT_TRUE(store->write(put("before")).ok);

    fs->full = true;
    std::mutex mutex;
    std::vector<Status> results;
    for (const char* key : {"lost1", "lost2", "lost3"}) {
      store->commit(put(key), [&](const Status& status) {
        std::lock_guard lock(mutex);
        results.push_back(status);
      });
    }
    store->flush();
    ASSERT_EQ(results.size(), 3u);
    for (const Status& status : results) {
      EXPECT_FALSE(status.ok);
      EXPECT_NE(status.message.find("No space"), std::string::npos) << status.message;
    }
    const Status direct = store->write(put("lost4"));
    EXPECT_FALSE(direct.ok);
    EXPECT_NE(direct.message.find("No space"), std::string::npos) << direct.message;

    // Reads keep working while writes fail.
    EXPECT_EQ(store->get("t", "before"), "v");
    int seen = 0;
    store->scan("t", "", [&](std::string_view, std::string_view) { return ++seen, true; });
    EXPECT_EQ(seen, 1);

    // Space returns: the next commit succeeds without reopening.
    fs->full = false;
    Status after = Status::failure("callback never ran");
    store->commit(put("after"), [&](const Status& status) { after = status; });
    store->flush();
    EXPECT_TRUE(after.ok) << after.message;
    EXPECT_TRUE(store->write(put("after2")).ok);
    EXPECT_EQ(store->get("t", "after"), "v");
  }

  auto reopened = RocksStore::open({path, Durability::fsync, {"t"}});
  EXPECT_EQ(reopened->get("t", "before"), "v");
  EXPECT_EQ(reopened->get("t", "after"), "v");
  EXPECT_EQ(reopened->get("t", "after2"), "v");
  for (const char* key : {"lost1", "lost2", "lost3", "lost4"})
    EXPECT_EQ(reopened->get("t", key), std::nullopt) << key;
}

}  // namespace
}  // namespace fanout::store
