// Store on RocksDB: one column family per engine table, atomic WriteBatches, and a group
// committer so that concurrent fsync-mode commits share one WAL fsync.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/duration_histogram.h"
#include "store/store.h"

namespace rocksdb {
class Cache;
class ColumnFamilyHandle;
class DB;
class Env;
class Status;
class WriteBatch;
}  // namespace rocksdb

namespace fanout::store {

class GroupCommitter;

class RocksStore final : public Store {
 public:
  // Like Store::open. `env` (not owned, must outlive the store) replaces RocksDB's environment,
  // e.g. a fault-injecting file system in tests; null means the default for the durability mode.
  static std::unique_ptr<RocksStore> open(const Options& options, rocksdb::Env* env = nullptr);
  ~RocksStore() override;

  RocksStore(const RocksStore&) = delete;
  RocksStore& operator=(const RocksStore&) = delete;

  Durability durability() const override { return durability_; }
  std::optional<std::string> get(std::string_view cf, std::string_view key) override;
  std::vector<std::optional<std::string>> get_many(std::string_view cf,
                                                   const std::vector<std::string>& keys) override;
  void scan(std::string_view cf, std::string_view prefix,
            const std::function<bool(std::string_view key, std::string_view value)>& visit) override;
  Status write(Batch batch) override;
  void commit(Batch batch, std::function<void(const Status&)> on_durable) override;
  void flush() override;
  Status wipe() override;
  std::uint64_t sync_count() const override;
  std::string render_metrics() const override;

  // Column families open in this store, sorted by name.
  std::vector<std::string> column_families() const;

 private:
  // Passkey: only open() constructs, yet through make_unique.
  struct OpenKey {};

 public:
  RocksStore(OpenKey, Durability durability);

 private:
  rocksdb::ColumnFamilyHandle* family(std::string_view cf) const;
  // Failure naming the first column family the batch uses that this store does not have.
  Status check(const Batch& batch) const;
  void append(const Batch& batch, rocksdb::WriteBatch& out) const;
  // Writes, durably per the mode when `sync`; with sync_wal() the only places that fsync, and the
  // one that recovers from a previous failed write.
  Status apply(rocksdb::WriteBatch& batch, bool sync);
  // Fsyncs what apply(..., false) wrote (fsync mode; a no-op otherwise).
  Status sync_wal();
  // Adds an fsynced write that began at `started` to the metrics.
  void record_sync(std::chrono::steady_clock::time_point started);
  // A write's or fsync's result; a failure makes the next write try RocksDB's Resume() first.
  Status outcome(const rocksdb::Status& status);

  struct HandleDeleter {
    void operator()(rocksdb::ColumnFamilyHandle* handle) const;
  };
  using Handle = std::unique_ptr<rocksdb::ColumnFamilyHandle, HandleDeleter>;

  const Durability durability_;
  // Declaration order is teardown order in reverse: the committer stops before the column
  // families close, which close before the DB, which closes before its environment goes away.
  std::unique_ptr<rocksdb::Env> owned_env_;
  std::shared_ptr<rocksdb::Cache> block_cache_;
  std::unique_ptr<rocksdb::DB> db_;
  std::map<std::string, Handle, std::less<>> families_;  // fixed after open: read without locks
  // Options::sequenced_families: family → its key length (fixed after open).
  std::map<std::string, std::size_t, std::less<>> sequenced_key_bytes_;
  std::unique_ptr<GroupCommitter> committer_;

  mutable std::mutex sync_latency_mutex_;
  // Every fsynced write's duration; its count is sync_count(). Under sync_latency_mutex_.
  DurationHistogram sync_latency_;
  // Set after a failed write: RocksDB may have stopped writes (read-only background error, e.g.
  // ENOSPC); the next write first asks it to resume so the server recovers once space returns.
  std::atomic<bool> needs_resume_{false};
};

}  // namespace fanout::store
