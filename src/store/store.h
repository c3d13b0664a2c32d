// The durable key-value store every engine persists through: RocksDB with column families,
// atomic write batches and group commit.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fanout::store {

enum class Durability {
  fsync,    // acknowledged only after the WAL is fsynced; concurrent commits share one fsync
  relaxed,  // written to the WAL, not fsynced (survives a process crash, not a power loss)
  memory,   // nothing on disk at all
};

// Parses "fsync" | "relaxed" | "memory"; nullopt otherwise.
std::optional<Durability> parse_durability(std::string_view text);

struct Options {
  std::string dir;  // ignored for Durability::memory
  Durability durability = Durability::fsync;
  // Column families to open (created if missing); "default" always exists.
  std::vector<std::string> column_families;
  // Families whose fresh keys are point-read under load (SQS message bodies on receive): their
  // memtables carry a bloom filter, which costs a little in every memtable switch.
  std::vector<std::string> point_read_families = {};
  // Families never read by key while the store is open, only written (and scanned once at start,
  // as SQS's meta records are). Their memtables are unsorted vectors, sorted once at flush,
  // instead of skiplists: an insert at a random position (a receive's or delete's meta record
  // of an older message) cost a skiplist search. A get() on such a family is still correct, but
  // scans its whole memtable.
  std::vector<std::string> write_only_families = {};
  // Families whose keys all have one length, a fixed-length prefix then a sequence growing per
  // prefix (SQS bodies: queue id, then message seq). Their memtables remember where each prefix's
  // last key went and place the next one from there (store/insert_hint.h): a key appended to a
  // queue, or the delete of one received a moment ago, is not searched from the skiplist's top.
  struct SequencedKeys {
    std::string family;
    std::size_t prefix_bytes;
    std::size_t key_bytes;
  };
  std::vector<SequencedKeys> sequenced_families = {};
  // Read every table file and check every block's checksum before serving (fanoutd --verify-data).
  // Opening alone checks what start-up reads (the manifest, the WAL, the records engines load);
  // a damaged block nothing reads at start would otherwise surface only when it is read.
  bool verify_all_blocks = false;
};

// A set of writes applied atomically.
class Batch {
 public:
  Batch();
  ~Batch();
  Batch(Batch&&) noexcept;
  Batch& operator=(Batch&&) noexcept;

  void put(std::string_view cf, std::string_view key, std::string_view value);
  void erase(std::string_view cf, std::string_view key);
  // Deletes every key in [begin, end).
  void erase_range(std::string_view cf, std::string_view begin, std::string_view end);
  bool empty() const;
  std::size_t size_bytes() const;

  // Acknowledge this batch once it is in the WAL as the OS holds it (it then survives fanoutd
  // being killed, kill -9), without waiting for the fsync that makes it survive a power loss; that
  // fsync still follows, with the group's other batches or the next fsynced commit. Only for state
  // a power loss may roll back harmlessly: an SQS receive's new visibility and receive count (the
  // message becomes visible again, as at-least-once delivery allows). A moved-from batch forgets it.
  void acknowledge_when_written();
  bool acknowledged_when_written() const;

 private:
  friend class Store;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

struct Status {
  bool ok = true;
  std::string message;  // why it failed (e.g. "No space left on device")
  static Status success() { return {}; }
  static Status failure(std::string why) { return {false, std::move(why)}; }
};

class Store {
 public:
  // Opens (creating if needed) the store. Throws std::runtime_error with a clear message
  // when the directory is unusable or corrupt.
  static std::unique_ptr<Store> open(const Options& options);
  virtual ~Store() = default;

  virtual Durability durability() const = 0;

  virtual std::optional<std::string> get(std::string_view cf, std::string_view key) = 0;
  // get() for several keys of one family at once, the values in the keys' order. Cheaper per
  // key than separate calls: one snapshot, and the memtables and files are searched for all keys
  // in one pass (an SQS receive reads up to 10 bodies).
  virtual std::vector<std::optional<std::string>> get_many(std::string_view cf,
                                                           const std::vector<std::string>& keys) = 0;
  // Calls visit(key, value) for every key starting with prefix, in key order, until it
  // returns false.
  virtual void scan(std::string_view cf, std::string_view prefix,
                    const std::function<bool(std::string_view key, std::string_view value)>& visit) = 0;

  // Applies the batch and blocks until it is durable per the store's durability mode.
  virtual Status write(Batch batch) = 0;
  // Hands the batch to the group committer and returns at once. Batches are applied in the
  // order commit() was called. on_durable runs on the committer thread once the batch is
  // durable (one fsync covers every batch waiting at that moment), or once written for a batch
  // marked acknowledge_when_written() (so possibly before an earlier batch's); it must not block.
  virtual void commit(Batch batch, std::function<void(const Status&)> on_durable) = 0;
  // Blocks until every batch handed to commit() so far is durable.
  virtual void flush() = 0;
  // Removes every key of every column family (POST /_fanout/reset).
  virtual Status wipe() = 0;

  // How many fsyncing writes the store has issued; with group commit this stays far below
  // the number of commits (observability and tests).
  virtual std::uint64_t sync_count() const = 0;
  // The store's Prometheus metrics: fanout_store_fsyncs_total, and the time each fsynced write
  // took (WAL append, fdatasync, memtable insert; every durable request waits for one), a histogram.
  virtual std::string render_metrics() const = 0;

 protected:
  // Lets implementations read a batch's operations; null for a moved-from batch.
  static const Batch::Impl* contents(const Batch& batch) { return batch.impl_.get(); }
};

}  // namespace fanout::store
