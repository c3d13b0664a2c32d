#include "store/rocksdb_store.h"

#include <rocksdb/cache.h>
#include <rocksdb/convenience.h>
#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/memtablerep.h>
#include <rocksdb/options.h>
#include <rocksdb/slice.h>
#include <rocksdb/sst_file_manager.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <future>
#include <memory>
#include <set>
#include <stdexcept>
#include <system_error>
#include <thread>
#include <utility>

#include "store/batch_impl.h"
#include "store/group_committer.h"
#include "store/insert_hint.h"
#include "store/key_range.h"
#include "store/rocksdb_logger.h"
#include "store/write_error_recovery.h"

namespace fanout::store {
namespace {

// In-memory mode keeps RocksDB's files in a MemEnv; this path exists only inside it.
constexpr const char* kMemoryPath = "/fanout-memory";

constexpr std::size_t kMiB = std::size_t{1024} * 1024;
// How long a write waits for RocksDB's own background-error recovery (retried every 1 s by
// default) before it tries anyway; while the disk stays full each failing write waits this once.
constexpr int kResumeWaitMs = 1500;
constexpr int kResumePollMs = 20;
// Bounds of the fsynced-write histogram, in seconds: an fdatasync takes ~0.1-0.5 ms on a quiet
// SSD and several ms behind a flush or compaction; the tail is what a p99 is made of.
constexpr std::array<double, 12> kSyncLatencyBounds = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                                       0.01,   0.025,   0.05,   0.1,   0.25,   1.0};

rocksdb::Slice slice(std::string_view text) { return {text.data(), text.size()}; }
std::string_view view(const rocksdb::Slice& slice) { return {slice.data(), slice.size()}; }

bool lz4_supported() {
  const auto supported = rocksdb::GetSupportedCompressions();
  return std::find(supported.begin(), supported.end(), rocksdb::kLZ4Compression) != supported.end();
}

rocksdb::DBOptions db_options(rocksdb::Env* env, bool on_disk) {
  rocksdb::DBOptions options;
  options.env = env;
  options.create_if_missing = true;
  options.create_missing_column_families = true;
  // Verify checksums and stop on any inconsistency rather than serve or extend corrupt data.
  options.paranoid_checks = true;
  // Vector memtables (Options::write_only_families) cannot take concurrent inserts, and the
  // group committer is the only writer under load anyway.
  options.allow_concurrent_memtable_write = false;
  // Two cores is the target machine: one flush and one compaction at a time.
  options.max_background_jobs = 2;
  // Caps memtable memory across all column families, whatever their number.
  options.db_write_buffer_size = 256 * kMiB;
  // Bounds the WAL, and so the restart's replay time, by forcing flushes of stale column
  // families: a family of small records (SQS meta) never fills its memtable on its own and
  // would otherwise pin every WAL file since the first send. At 512 MiB a kill -9 with
  // 1,000,000 queued messages replayed ~350 MB of WAL (5 of the 8 s back to serving); 64 MiB
  // keeps replay under a second at the price of flushing small families more often.
  options.max_total_wal_size = 64 * kMiB;
  // Replayed memtables stay in memory (their WAL is kept until they flush normally) instead of
  // being written to level-0 files before the database opens.
  options.avoid_flush_during_recovery = true;
  // Smooths SST write-back instead of one large fsync burst per flush.
  options.bytes_per_sync = 1 * kMiB;
  options.keep_log_file_num = 4;
  options.max_log_file_size = 16 * kMiB;
  options.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  options.info_log = make_stderr_logger();  // no LOG file: see rocksdb_logger.h
  options.listeners.push_back(make_write_error_recovery_listener());
  if (on_disk) {
    // Obsolete files (a 64 MiB WAL after each flush, compacted SSTs) are renamed to *.trash and
    // truncated away 4 MiB at a time by a background thread. Unlinked at once, a 64 MiB WAL took
    // ~40 ms on ext4, and the WAL append + fdatasync running beside it stalled for as long (the
    // SQS SendMessageBatch p99 at half of peak, bench/RESULTS.md). The ratio lets every deletion
    // take that path, however small the database; leftover trash is removed at open.
    constexpr std::int64_t kDeleteBytesPerSecond = 256 * kMiB;
    constexpr double kMaxTrashToDatabaseRatio = 1000.0;
    constexpr std::uint64_t kDeleteChunkBytes = 4 * kMiB;
    options.sst_file_manager.reset(rocksdb::NewSstFileManager(
        env, options.info_log, /*trash_dir=*/"", kDeleteBytesPerSecond, /*delete_existing_trash=*/true,
        /*status=*/nullptr, kMaxTrashToDatabaseRatio, kDeleteChunkBytes));
  }
  return options;
}

rocksdb::ColumnFamilyOptions family_options(const std::shared_ptr<rocksdb::Cache>& cache, bool point_reads) {
  rocksdb::ColumnFamilyOptions options;
  // Queue traffic is write-heavy and short-lived: a large memtable absorbs send/delete churn
  // (a deleted message often never reaches an SST at all).
  options.write_buffer_size = 64 * kMiB;
  options.max_write_buffer_number = 3;
  options.level_compaction_dynamic_level_bytes = true;
  // memtable_insert_with_hint_prefix_extractor only for Options::sequenced_families, whose range
  // deletions append() keeps out of the hint's domain (store/insert_hint.h).

  // A whole-key bloom filter per memtable (2% of its size, 1.3 MiB): a point read (an SQS receive
  // reads each message's body) skips the memtables that do not hold the key. Only in the
  // families that take point reads under load: a new memtable zeroes its filter inside the write
  // path, and when the WAL reaches max_total_wal_size RocksDB switches every family's memtable
  // at once. With a filter in all 18 families that stalled every write for 25-40 ms each time,
  // every ~1.5 s under SendMessageBatch load: the SQS half-of-peak p99 (bench/RESULTS.md).
  if (point_reads) {
    options.memtable_whole_key_filtering = true;
    options.memtable_prefix_bloom_size_ratio = 0.02;
  }
  // LZ4 costs little CPU on the write path; without it, store raw.
  options.compression = lz4_supported() ? rocksdb::kLZ4Compression : rocksdb::kNoCompression;

  rocksdb::BlockBasedTableOptions table;
  table.block_cache = cache;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  // Index and filter blocks count against the bounded cache instead of growing unaccounted, and
  // are partitioned into 4 KiB pieces under a small pinned top level. With one monolithic index
  // and filter per SST, a point read (an SQS receive reads every message body) into a file of a
  // large backlog needed that file's whole index, which the churn of data blocks kept
  // evicting: every read then fetched and LZ4-decompressed it again, and receive +
  // delete fell from ~90,000 to ~6,000 messages/s with 300 us of CPU per message
  // (bench/RESULTS.md). A partition is as cheap to keep or refetch as a data block.
  table.cache_index_and_filter_blocks = true;
  table.cache_index_and_filter_blocks_with_high_priority = true;
  table.pin_l0_filter_and_index_blocks_in_cache = true;
  table.index_type = rocksdb::BlockBasedTableOptions::IndexType::kTwoLevelIndexSearch;
  table.partition_filters = true;
  table.metadata_block_size = 4096;
  table.pin_top_level_index_and_filter = true;
  // A flush also puts its (uncompressed) data blocks into the block cache. Where reads are by key
  // under load, what was just flushed is what is read next: an SQS receive reads the bodies of
  // the messages sent just before it, which a backlog of a few seconds has already pushed out of
  // the memtable. Without this each such read fetched the block from the file and LZ4-decompressed
  // it: ~11% of fanoutd's CPU in bench/e2e.py.
  if (point_reads) {
    table.prepopulate_block_cache = rocksdb::BlockBasedTableOptions::PrepopulateBlockCache::kFlushOnly;
  }
  options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  return options;
}

// The family's entry in Options::sequenced_families, or null.
const Options::SequencedKeys* sequenced_keys(const Options& options, std::string_view family) {
  for (const auto& sequenced : options.sequenced_families) {
    if (sequenced.family == family) return &sequenced;
  }
  return nullptr;
}

[[noreturn]] void fail_open(const std::string& dir, const std::string& why) {
  throw std::runtime_error("store: cannot open data dir '" + dir + "': " + why);
}

// The directory names an existing database (CURRENT present), or holds the remains of one whose
// CURRENT file is gone. The latter must not be silently recreated as a fresh, empty database.
bool has_database(rocksdb::Env& env, const std::string& path, const std::string& dir) {
  if (env.FileExists(path + "/CURRENT").ok()) return true;
  std::vector<std::string> children;
  if (env.GetChildren(path, &children).ok()) {
    for (const std::string& child : children) {
      if (child.rfind("MANIFEST-", 0) == 0) {
        fail_open(dir, "Corruption: CURRENT file is missing but " + child + " exists");
      }
    }
  }
  return false;
}

}  // namespace

std::unique_ptr<Store> Store::open(const Options& options) { return RocksStore::open(options); }

void RocksStore::HandleDeleter::operator()(rocksdb::ColumnFamilyHandle* handle) const { delete handle; }

RocksStore::RocksStore(OpenKey, Durability durability)
    : durability_(durability), sync_latency_(kSyncLatencyBounds) {}

std::unique_ptr<RocksStore> RocksStore::open(const Options& options, rocksdb::Env* env) {
  auto store = std::make_unique<RocksStore>(OpenKey{}, options.durability);
  const bool memory = options.durability == Durability::memory;
  const std::string dir = memory ? std::string("(memory)") : options.dir;
  std::string path = options.dir;

  if (env == nullptr && memory) {
    store->owned_env_.reset(rocksdb::NewMemEnv(rocksdb::Env::Default()));
    env = store->owned_env_.get();
  }
  if (env == nullptr) env = rocksdb::Env::Default();
  if (memory) {
    path = kMemoryPath;
  } else {
    if (path.empty()) fail_open(dir, "no data directory configured");
    std::error_code error;
    std::filesystem::create_directories(path, error);
    if (error) fail_open(dir, error.message());
  }

  const rocksdb::DBOptions db_opts = db_options(env, !memory);
  store->block_cache_ = rocksdb::NewLRUCache(128 * kMiB);
  const rocksdb::ColumnFamilyOptions cf_opts = family_options(store->block_cache_, false);
  const rocksdb::ColumnFamilyOptions point_read_cf_opts = family_options(store->block_cache_, true);
  const std::set<std::string, std::less<>> point_read(options.point_read_families.begin(),
                                                      options.point_read_families.end());
  const std::set<std::string, std::less<>> write_only(options.write_only_families.begin(),
                                                      options.write_only_families.end());

  // Open every family on disk too: RocksDB refuses to open a database without all of them, and
  // an older data dir may hold families this build no longer asks for.
  std::set<std::string> names(options.column_families.begin(), options.column_families.end());
  names.insert(rocksdb::kDefaultColumnFamilyName);
  if (has_database(*env, path, dir)) {
    std::vector<std::string> existing;
    const rocksdb::Status listed = rocksdb::DB::ListColumnFamilies(db_opts, path, &existing);
    if (!listed.ok()) fail_open(dir, listed.ToString());
    names.insert(existing.begin(), existing.end());
  }

  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  descriptors.reserve(names.size());
  for (const std::string& name : names) {
    descriptors.emplace_back(name, point_read.contains(name) ? point_read_cf_opts : cf_opts);
    if (write_only.contains(name)) {
      descriptors.back().options.memtable_factory = std::make_shared<rocksdb::VectorRepFactory>();
    } else if (const auto* sequenced = sequenced_keys(options, name)) {  // hints need a skiplist
      descriptors.back().options.memtable_insert_with_hint_prefix_extractor =
          make_insert_hint_extractor(sequenced->prefix_bytes, sequenced->key_bytes);
      store->sequenced_key_bytes_.emplace(name, sequenced->key_bytes);
    }
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  const rocksdb::Status opened = rocksdb::DB::Open(db_opts, path, descriptors, &handles, &db);
  store->db_.reset(db);
  for (rocksdb::ColumnFamilyHandle* handle : handles) {
    store->families_.emplace(handle->GetName(), Handle(handle));
  }
  if (!opened.ok()) fail_open(dir, opened.ToString());
  if (options.verify_all_blocks) {
    const rocksdb::Status verified = db->VerifyChecksum();
    if (!verified.ok()) fail_open(dir, "verifying every block failed: " + verified.ToString());
  }

  store->committer_ = std::make_unique<GroupCommitter>(
      [raw = store.get()](const std::vector<const Batch*>& group, bool sync) {
        // Sized for the group's keys and values up front (each op adds a few bytes of tags and
        // lengths on top), instead of doubling its way there.
        std::size_t bytes = 0;
        for (const Batch* batch : group) bytes += batch->size_bytes();
        rocksdb::WriteBatch merged(bytes + bytes / 8 + 64);
        for (const Batch* batch : group) raw->append(*batch, merged);
        return raw->apply(merged, sync);
      },
      [raw = store.get()] { return raw->sync_wal(); });
  return store;
}

RocksStore::~RocksStore() {
  // Drain the committer first: queued batches are written and their callbacks run.
  committer_.reset();
  families_.clear();
  if (db_) {
    // Close() reports what a destructor cannot; the memtables are already covered by the WAL
    // (or, in memory mode, about to vanish anyway), so there is nothing to act on here.
    db_->Close().PermitUncheckedError();
    db_.reset();
  }
}

rocksdb::ColumnFamilyHandle* RocksStore::family(std::string_view cf) const {
  const auto found = families_.find(cf);
  return found == families_.end() ? nullptr : found->second.get();
}

std::vector<std::string> RocksStore::column_families() const {
  std::vector<std::string> names;
  for (const auto& [name, handle] : families_) names.push_back(name);
  return names;
}

Status RocksStore::check(const Batch& batch) const {
  const auto* ops = contents(batch);
  if (ops == nullptr) return Status::success();
  for (const auto& op : ops->ops) {
    if (family(ops->cf(op)) == nullptr) {
      return Status::failure("unknown column family '" + std::string(ops->cf(op)) + "'");
    }
  }
  return Status::success();
}

void RocksStore::append(const Batch& batch, rocksdb::WriteBatch& out) const {
  const auto* ops = contents(batch);
  if (ops == nullptr) return;
  for (const auto& op : ops->ops) {
    const std::string_view cf = ops->cf(op);
    const std::string_view key = ops->key(op);
    const std::string_view value = ops->value(op);
    rocksdb::ColumnFamilyHandle* handle = family(cf);  // check() vetted every family
    rocksdb::Status added;
    switch (op.kind) {
      case BatchOp::Kind::put:
        added = out.Put(handle, slice(key), slice(value));
        break;
      case BatchOp::Kind::erase:
        added = out.Delete(handle, slice(key));
        break;
      case BatchOp::Kind::erase_range:
        if (const auto sequenced = sequenced_key_bytes_.find(cf); sequenced != sequenced_key_bytes_.end()) {
          range_delete_outside_hint_domain(out, handle, key, value, sequenced->second);
        } else {
          added = out.DeleteRange(handle, slice(key), slice(value));
        }
        break;
    }
    // Appending to an in-memory WriteBatch fails only past its size limit (none is set).
    added.PermitUncheckedError();
  }
}

Status RocksStore::apply(rocksdb::WriteBatch& batch, bool sync) {
  if (needs_resume_.exchange(false, std::memory_order_acq_rel)) {
    // A no-op unless RocksDB stopped writes. Busy means a recovery is already running (another
    // thread's, or RocksDB's own after a flush error, which retries about once a second): give it
    // that long to finish, else the first write after space returns fails on the old error. The
    // write below then tells how it went.
    rocksdb::Status resumed = db_->Resume();
    for (int waited_ms = 0; resumed.IsBusy() && waited_ms < kResumeWaitMs; waited_ms += kResumePollMs) {
      std::this_thread::sleep_for(std::chrono::milliseconds(kResumePollMs));
      resumed = db_->Resume();
    }
    if (!resumed.ok() && !resumed.IsBusy()) {
      needs_resume_.store(true, std::memory_order_release);
      return Status::failure(resumed.ToString());
    }
  }
  rocksdb::WriteOptions options;
  options.sync = sync && durability_ == Durability::fsync;
  options.disableWAL = durability_ == Durability::memory;
  const auto started = std::chrono::steady_clock::now();
  const rocksdb::Status written = db_->Write(options, &batch);
  if (options.sync) record_sync(started);
  return outcome(written);
}

Status RocksStore::sync_wal() {
  if (durability_ != Durability::fsync) return Status::success();
  const auto started = std::chrono::steady_clock::now();
  const rocksdb::Status synced = db_->SyncWAL();
  record_sync(started);
  return outcome(synced);
}

void RocksStore::record_sync(std::chrono::steady_clock::time_point started) {
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
  std::lock_guard lock(sync_latency_mutex_);
  sync_latency_.record(took.count());
}

Status RocksStore::outcome(const rocksdb::Status& status) {
  if (status.ok()) return Status::success();
  needs_resume_.store(true, std::memory_order_release);
  return Status::failure(status.ToString());
}

std::uint64_t RocksStore::sync_count() const {
  std::lock_guard lock(sync_latency_mutex_);
  return sync_latency_.count();
}

std::string RocksStore::render_metrics() const {
  // One lock for both, so a scrape's fsync count and histogram count always agree.
  std::lock_guard lock(sync_latency_mutex_);
  std::string out =
      "# HELP fanout_store_fsyncs_total Durable (fsynced) writes of the store; one covers every "
      "commit waiting at that moment.\n# TYPE fanout_store_fsyncs_total counter\n"
      "fanout_store_fsyncs_total " +
      std::to_string(sync_latency_.count()) + "\n";
  out +=
      "# HELP fanout_store_sync_write_seconds Time of each durable write (WAL append, fdatasync, "
      "memtable insert), which every acknowledged SQS/SNS/Firehose change waits for.\n"
      "# TYPE fanout_store_sync_write_seconds histogram\n";
  sync_latency_.render(out, "fanout_store_sync_write_seconds", "");
  return out;
}

std::optional<std::string> RocksStore::get(std::string_view cf, std::string_view key) {
  rocksdb::ColumnFamilyHandle* handle = family(cf);
  if (handle == nullptr)
    throw std::invalid_argument("store: unknown column family '" + std::string(cf) + "'");
  std::string value;
  const rocksdb::Status status = db_->Get(rocksdb::ReadOptions(), handle, slice(key), &value);
  if (status.IsNotFound()) return std::nullopt;
  if (!status.ok()) throw std::runtime_error("store: get failed: " + status.ToString());
  return value;
}

std::vector<std::optional<std::string>> RocksStore::get_many(std::string_view cf,
                                                             const std::vector<std::string>& keys) {
  rocksdb::ColumnFamilyHandle* handle = family(cf);
  if (handle == nullptr)
    throw std::invalid_argument("store: unknown column family '" + std::string(cf) + "'");
  std::vector<rocksdb::Slice> slices;
  slices.reserve(keys.size());
  for (const auto& key : keys) slices.emplace_back(key);
  std::vector<rocksdb::PinnableSlice> values(keys.size());
  std::vector<rocksdb::Status> statuses(keys.size());
  db_->MultiGet(rocksdb::ReadOptions(), handle, keys.size(), slices.data(), values.data(), statuses.data());
  std::vector<std::optional<std::string>> found(keys.size());
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (statuses[i].IsNotFound()) continue;
    if (!statuses[i].ok()) throw std::runtime_error("store: get failed: " + statuses[i].ToString());
    found[i].emplace(values[i].data(), values[i].size());
  }
  return found;
}

void RocksStore::scan(std::string_view cf, std::string_view prefix,
                      const std::function<bool(std::string_view key, std::string_view value)>& visit) {
  rocksdb::ColumnFamilyHandle* handle = family(cf);
  if (handle == nullptr)
    throw std::invalid_argument("store: unknown column family '" + std::string(cf) + "'");
  // The upper bound lets RocksDB stop at the prefix's end instead of reading (and skipping
  // tombstones in) whatever follows it.
  const std::string upper = prefix_successor(prefix);
  const rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions options;
  if (!upper.empty()) options.iterate_upper_bound = &upper_slice;
  // Scans are sequential and mostly one-off (recovery reads every SQS meta record once): read
  // ahead, and keep the block cache for point reads.
  options.readahead_size = 2 * kMiB;
  options.fill_cache = false;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(options, handle));
  for (it->Seek(slice(prefix)); it->Valid(); it->Next()) {
    const std::string_view key = view(it->key());
    if (!key.starts_with(prefix)) break;  // only reachable for an all-0xff prefix (no bound)
    if (!visit(key, view(it->value()))) break;
  }
  if (!it->status().ok()) throw std::runtime_error("store: scan failed: " + it->status().ToString());
}

Status RocksStore::write(Batch batch) {
  if (Status valid = check(batch); !valid.ok) return valid;
  if (batch.empty()) return Status::success();
  if (committer_->on_committer_thread()) {
    // A commit callback writing: this is already the one writing thread.
    rocksdb::WriteBatch converted;
    append(batch, converted);
    return apply(converted, /*sync=*/true);
  }
  // Every write goes through the committer, so RocksDB only ever has one writing thread: a
  // synchronous write shares the group's fsync instead of queueing behind it in RocksDB's own
  // write thread, and RocksDB never copies one of our threads' batches on another thread behind
  // synchronisation ThreadSanitizer cannot see (Debian's librocksdb is not instrumented).
  // Shared, not on this stack: the committer may still hold the callback after get() returns.
  auto durable = std::make_shared<std::promise<Status>>();
  std::future<Status> outcome = durable->get_future();
  committer_->submit(std::move(batch), [durable](const Status& status) { durable->set_value(status); });
  return outcome.get();
}

void RocksStore::commit(Batch batch, std::function<void(const Status&)> on_durable) {
  Status verdict = check(batch);
  committer_->submit(std::move(batch), std::move(on_durable), std::move(verdict));
}

void RocksStore::flush() { committer_->flush(); }

Status RocksStore::wipe() {
  // Commits already handed over must not land after the wipe.
  committer_->flush();
  Batch deletes;
  for (const auto& [name, handle] : families_) {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), handle.get()));
    it->SeekToFirst();
    if (!it->Valid()) {
      if (!it->status().ok()) return Status::failure("wipe: " + it->status().ToString());
      continue;
    }
    const std::string first = it->key().ToString();
    it->SeekToLast();
    if (!it->Valid()) return Status::failure("wipe: " + it->status().ToString());
    const std::string last = it->key().ToString();
    // Keys have no finite maximum, so the exclusive range end is the last key, deleted on its own.
    deletes.erase_range(name, first, last);
    deletes.erase(name, last);
  }
  if (Status deleted = write(std::move(deletes)); !deleted.ok) return deleted;

  // Reclaims the space now; the data is already gone logically, so a failure here (e.g. a busy
  // compaction) does not fail the wipe.
  rocksdb::CompactRangeOptions compact;
  compact.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  for (const auto& [name, handle] : families_) {
    db_->CompactRange(compact, handle.get(), nullptr, nullptr).PermitUncheckedError();
  }
  return Status::success();
}

}  // namespace fanout::store
