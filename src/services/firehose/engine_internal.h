// Definitions shared by the FirehoseEngine's implementation files (not part of its interface).
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "services/firehose/delivery_stream.h"
#include "services/firehose/firehose_engine.h"
#include "services/firehose/metadata_query.h"
#include "services/firehose/object_naming.h"

namespace fanout::services::firehose {

// Column families.
inline constexpr std::string_view kStreamsCf = "firehose_streams";  // "<account>/<name>" → StreamConfig JSON
inline constexpr std::string_view kRecordsCf = "firehose_records";  // "<stream id>/<seq, 16 hex>" → record

inline constexpr std::size_t kMaxRecordBytes = std::size_t{1000} * 1024;
inline constexpr std::size_t kMaxBatchRecords = 500;
inline constexpr std::size_t kMaxBatchBytes = std::size_t{4} * 1024 * 1024;
inline constexpr std::size_t kMaxTagsPerStream = 50;

// Partition ids: "" without dynamic partitioning; "\x01<error-output-type>" for records that go
// to ErrorOutputPrefix; otherwise the partition keys, serialized.
inline constexpr char kErrorPartitionMark = '\x01';

std::string stream_key(std::string_view account, std::string_view name);
std::string record_key(std::string_view stream_id, std::uint64_t seq);
std::string record_prefix(std::string_view stream_id);
// Splits a key record_key() wrote; false for anything else (a damaged data dir), never a throw.
bool parse_record_key(std::string_view key, std::string_view& stream_id, std::uint64_t& seq);
// Stored record: 8 bytes arrival ms (big-endian), 4 bytes partition id length, partition id, data.
std::string encode_record(std::int64_t arrival_ms, std::string_view partition, std::string_view data);
bool decode_record(std::string_view value, std::int64_t& arrival_ms, std::string& partition,
                   std::string& data);
std::string partition_id(const std::map<std::string, std::string>& keys);
std::map<std::string, std::string> partition_keys(std::string_view partition_id);

// Keeps callbacks (commits, timers, deliveries) from running into a destroyed engine.
struct FirehoseEngine::Lifeline {
  std::shared_mutex mutex;
  bool alive = true;
  template <class F>
  void run(F&& fn) {
    std::shared_lock lock(mutex);
    if (alive) fn();
  }
};

struct FirehoseEngine::Record {
  std::uint64_t seq = 0;
  std::int64_t arrival_ms = 0;
  std::string partition;
  std::string data;
};

struct FirehoseEngine::Stream {
  struct Buffer {
    std::vector<Record> records;
    std::size_t bytes = 0;
    std::int64_t oldest_ms = 0;
  };
  // What a configuration compiles to (naming rules, partitioning query).
  struct Compiled {
    std::shared_ptr<const StreamConfig> config;
    ObjectNaming naming;
    std::optional<MetadataQuery> query;
  };

  std::mutex mutex;
  std::shared_ptr<const Compiled> compiled;
  bool active = false;  // CREATING until the activation delay has passed
  bool deleted = false;
  std::uint64_t next_seq = 1;
  std::map<std::string, Buffer> buffers;  // by partition id
  std::deque<std::shared_ptr<Job>> queued;
  bool in_flight = false;
  std::size_t held_bytes = 0;
  std::int64_t timer_due_ms = 0;  // earliest armed interval timer, 0 when none
  std::string failure;            // last delivery failure; empty while delivering fine
  // Console counters (relaxed; never read on the delivery path).
  std::atomic<std::uint64_t> objects_delivered{0};
  std::atomic<std::uint64_t> delivery_failures{0};

  std::shared_ptr<const StreamConfig> config() const { return compiled->config; }
};

// One object to write: the records of one buffer, cut.
struct FirehoseEngine::Job {
  std::shared_ptr<const Stream::Compiled> compiled;
  std::string partition;
  std::vector<Record> records;
  std::int64_t first_attempt_ms = 0;
  int attempts = 0;
  std::string uuid;  // fixed for the job, so a retried write replaces the same key
  std::size_t bytes = 0;
};

std::shared_ptr<const FirehoseEngine::Stream::Compiled> compile(StreamConfig config);

}  // namespace fanout::services::firehose
