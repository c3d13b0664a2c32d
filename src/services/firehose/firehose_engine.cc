#include "services/firehose/firehose_engine.h"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <stdexcept>

#include "services/firehose/engine_internal.h"
#include "services/firehose/firehose_error.h"
#include "services/firehose/object_destination.h"

namespace fanout::services::firehose {

// ---- storage encoding ----

std::string stream_key(std::string_view account, std::string_view name) {
  return std::string(account) + "/" + std::string(name);
}

std::string record_prefix(std::string_view stream_id) { return std::string(stream_id) + "/"; }

std::string record_key(std::string_view stream_id, std::uint64_t seq) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string key = record_prefix(stream_id);
  for (int shift = 60; shift >= 0; shift -= 4) key += kHex[(seq >> shift) & 0xf];
  return key;
}

bool parse_record_key(std::string_view key, std::string_view& stream_id, std::uint64_t& seq) {
  auto slash = key.find('/');
  if (slash == std::string_view::npos) return false;
  auto digits = key.substr(slash + 1);
  if (digits.size() != 16) return false;
  std::uint64_t value = 0;
  for (char c : digits) {
    int nibble = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (nibble < 0) return false;
    value = (value << 4) | static_cast<std::uint64_t>(nibble);
  }
  stream_id = key.substr(0, slash);
  seq = value;
  return true;
}

std::string encode_record(std::int64_t arrival_ms, std::string_view partition, std::string_view data) {
  std::string out;
  out.reserve(12 + partition.size() + data.size());
  auto ms = static_cast<std::uint64_t>(arrival_ms);
  for (int shift = 56; shift >= 0; shift -= 8) out += static_cast<char>((ms >> shift) & 0xff);
  auto n = static_cast<std::uint32_t>(partition.size());
  for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((n >> shift) & 0xff);
  out += partition;
  out += data;
  return out;
}

bool decode_record(std::string_view value, std::int64_t& arrival_ms, std::string& partition,
                   std::string& data) {
  if (value.size() < 12) return false;
  std::uint64_t ms = 0;
  for (int i = 0; i < 8; ++i) ms = (ms << 8) | static_cast<unsigned char>(value[static_cast<std::size_t>(i)]);
  std::uint32_t n = 0;
  for (int i = 8; i < 12; ++i) n = (n << 8) | static_cast<unsigned char>(value[static_cast<std::size_t>(i)]);
  if (value.size() < 12 + static_cast<std::size_t>(n)) return false;
  arrival_ms = static_cast<std::int64_t>(ms);
  partition = std::string(value.substr(12, n));
  data = std::string(value.substr(12 + n));
  return true;
}

std::string partition_id(const std::map<std::string, std::string>& keys) {
  boost::json::object o;
  for (const auto& [k, v] : keys) o[k] = v;
  return boost::json::serialize(o);
}

std::map<std::string, std::string> partition_keys(std::string_view id) {
  std::map<std::string, std::string> out;
  if (id.empty() || id.front() == kErrorPartitionMark) return out;
  boost::system::error_code ec;
  auto v = boost::json::parse(id, ec);
  if (ec || !v.is_object()) return out;
  for (const auto& [k, value] : v.as_object()) {
    if (value.is_string()) out[std::string(k)] = std::string(value.as_string());
  }
  return out;
}

std::shared_ptr<const FirehoseEngine::Stream::Compiled> compile(StreamConfig config) {
  const auto& d = config.destination;
  auto naming = ObjectNaming::make(d.prefix, d.error_prefix, d.dynamic_partitioning);
  std::optional<MetadataQuery> query;
  if (d.dynamic_partitioning && !d.metadata_query.empty()) query = MetadataQuery::parse(d.metadata_query);
  return std::make_shared<const FirehoseEngine::Stream::Compiled>(FirehoseEngine::Stream::Compiled{
      std::make_shared<const StreamConfig>(std::move(config)), std::move(naming), std::move(query)});
}

// ---- lifecycle ----

FirehoseEngine::FirehoseEngine(store::Store& store, const Clock& clock, TimerQueue& timers,
                               std::string region, const FirehoseOptions& options)
    : store_(store),
      clock_(clock),
      timers_(timers),
      region_(std::move(region)),
      options_(options),
      life_(std::make_shared<Lifeline>()) {
  recover();
  for (std::size_t i = 0; i < std::max<std::size_t>(1, options_.delivery_threads); ++i) {
    workers_.emplace_back([this] { worker_loop(); });
  }
  // Deliver what was buffered before a restart.
  std::vector<std::shared_ptr<Stream>> streams;
  {
    std::shared_lock lock(mutex_);
    for (const auto& [key, stream] : streams_) streams.push_back(stream);
  }
  for (const auto& stream : streams) on_timer(stream);
}

FirehoseEngine::~FirehoseEngine() {
  stop();
  store_.flush();
  std::unique_lock lock(life_->mutex);
  life_->alive = false;
}

// A record's key is its stream's prefix and then its seq (record_key); stream ids are 16 hex digits
// (8 random bytes, as CreateDeliveryStream makes them).
std::vector<store::Options::SequencedKeys> FirehoseEngine::sequenced_families() {
  const std::string stream_id(16, '0');
  return {{std::string(kRecordsCf), record_prefix(stream_id).size(), record_key(stream_id, 0).size()}};
}

std::vector<std::string> FirehoseEngine::column_families() {
  return {std::string(kStreamsCf), std::string(kRecordsCf)};
}

void FirehoseEngine::stop() {
  if (stopped_.exchange(true)) return;
  {
    std::lock_guard lock(work_mutex_);
    workers_stopping_ = true;
  }
  work_ready_.notify_all();
  for (auto& worker : workers_) {
    if (worker.joinable()) worker.join();
  }
}

void FirehoseEngine::reset() {
  {
    std::unique_lock lock(mutex_);
    for (auto& [key, stream] : streams_) {
      std::lock_guard stream_lock(stream->mutex);
      stream->deleted = true;
      stream->buffers.clear();
      std::lock_guard work_lock(work_mutex_);
      jobs_outstanding_ -= stream->queued.size();
      stream->queued.clear();
    }
    streams_.clear();
  }
  store::Batch batch;
  const std::string end(1, '\x7f');
  for (auto cf : {kStreamsCf, kRecordsCf}) batch.erase_range(cf, "", end);
  if (auto status = store_.write(std::move(batch)); !status.ok) {
    spdlog::error("firehose reset: store write failed: {}", status.message);
  }
}

void FirehoseEngine::set_local_destination(ObjectDestination* destination) {
  std::lock_guard lock(destinations_mutex_);
  local_ = destination;
}

void FirehoseEngine::add_remote_destination(const std::string& bucket,
                                            std::shared_ptr<ObjectDestination> destination) {
  std::lock_guard lock(destinations_mutex_);
  remote_[bucket] = std::move(destination);
}

ObjectDestination* FirehoseEngine::destination_for(const std::string& bucket) const {
  std::lock_guard lock(destinations_mutex_);
  if (auto it = remote_.find(bucket); it != remote_.end()) return it->second.get();
  if (auto it = remote_.find("*"); it != remote_.end()) return it->second.get();
  return local_;
}

std::string FirehoseEngine::prometheus_metrics() const {
  std::size_t streams;
  {
    std::shared_lock lock(mutex_);
    streams = streams_.size();
  }
  std::string out;
  out += "# TYPE fanout_firehose_streams gauge\nfanout_firehose_streams " + std::to_string(streams) + "\n";
  out += "# TYPE fanout_firehose_records_in_total counter\nfanout_firehose_records_in_total " +
         std::to_string(records_in_.load()) + "\n";
  out += "# TYPE fanout_firehose_objects_out_total counter\nfanout_firehose_objects_out_total " +
         std::to_string(objects_out_.load()) + "\n";
  out += "# TYPE fanout_firehose_delivery_failures_total counter\nfanout_firehose_delivery_failures_total " +
         std::to_string(delivery_failures_.load()) + "\n";
  return out;
}

TimerQueue::TimerId FirehoseEngine::schedule(std::int64_t delay_ms, std::function<void()> fn) {
  return timers_.schedule(delay_ms, [life = life_, fn = std::move(fn)] { life->run(fn); });
}

// ---- dispatch ----

const std::map<std::string, FirehoseEngine::Handler, std::less<>>& FirehoseEngine::handlers() {
  static const std::map<std::string, Handler, std::less<>> table{
      {"CreateDeliveryStream", &FirehoseEngine::create_delivery_stream},
      {"DeleteDeliveryStream", &FirehoseEngine::delete_delivery_stream},
      {"DescribeDeliveryStream", &FirehoseEngine::describe_delivery_stream},
      {"ListDeliveryStreams", &FirehoseEngine::list_delivery_streams},
      {"ListTagsForDeliveryStream", &FirehoseEngine::list_tags_for_delivery_stream},
      {"PutRecord", &FirehoseEngine::put_record},
      {"PutRecordBatch", &FirehoseEngine::put_record_batch},
      {"StartDeliveryStreamEncryption", &FirehoseEngine::start_encryption},
      {"StopDeliveryStreamEncryption", &FirehoseEngine::stop_encryption},
      {"TagDeliveryStream", &FirehoseEngine::tag_delivery_stream},
      {"UntagDeliveryStream", &FirehoseEngine::untag_delivery_stream},
      {"UpdateDestination", &FirehoseEngine::update_destination},
  };
  return table;
}

void FirehoseEngine::invoke(const Context& context, const std::string& operation, Input input,
                            Completion done) {
  auto it = handlers().find(operation);
  if (it == handlers().end()) {
    done(protocol::ServiceError::make("UnknownOperationException",
                                      "Operation " + operation + " is not supported."));
    return;
  }
  try {
    (this->*(it->second))(context, input, done);
  } catch (const FirehoseError& error) {
    if (done) done(error.error());
  } catch (const std::exception& error) {
    if (done) done(errors::internal(error.what()).error());
  }
}

std::shared_ptr<FirehoseEngine::Stream> FirehoseEngine::find_stream(const std::string& account,
                                                                    const std::string& name) const {
  std::shared_lock lock(mutex_);
  auto it = streams_.find(stream_key(account, name));
  return it == streams_.end() ? nullptr : it->second;
}

std::shared_ptr<FirehoseEngine::Stream> FirehoseEngine::require_stream(const Context& context,
                                                                       const Input& input) const {
  const auto* v = input.if_contains("DeliveryStreamName");
  const std::string name = v && v->is_string() ? std::string(v->as_string()) : std::string();
  auto stream = find_stream(context.account_id, name);
  if (!stream) throw errors::stream_not_found(name, context.account_id);
  return stream;
}

// ---- recovery ----

namespace {

// A damaged key for an error message: bytes outside printable ASCII as \xNN.
std::string printable(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (char c : bytes) {
    auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f && c != '\\') {
      out += c;
    } else {
      out += "\\x";
      out += kHex[u >> 4];
      out += kHex[u & 0xf];
    }
  }
  return out;
}

}  // namespace

void FirehoseEngine::recover() {
  std::map<std::string, std::shared_ptr<Stream>> by_id;
  store_.scan(kStreamsCf, "", [&](std::string_view key, std::string_view value) {
    try {
      auto config = StreamConfig::from_json(boost::json::parse(value).as_object());
      auto stream = std::make_shared<Stream>();
      const std::string id = config.id;
      stream->compiled = compile(std::move(config));
      stream->active = true;
      by_id[id] = stream;
      streams_[std::string(key)] = stream;
    } catch (const std::exception& e) {
      spdlog::error("firehose: skipping unreadable stream record {}: {}", key, e.what());
    }
    return true;
  });
  store::Batch orphans;
  std::size_t recovered = 0;
  store_.scan(kRecordsCf, "", [&](std::string_view key, std::string_view value) {
    std::string_view stream_id;
    Record record;
    if (!parse_record_key(key, stream_id, record.seq)) {
      // Batches are atomic and every key is record_key()'s, so this is damage: starting without
      // the record would silently drop data a client was told was accepted.
      throw std::runtime_error("firehose: corrupt buffered record key '" + printable(key) +
                               "' in the data dir");
    }
    auto it = by_id.find(std::string(stream_id));
    if (it == by_id.end()) {
      orphans.erase(kRecordsCf, key);  // its stream was deleted before the records were
      return true;
    }
    if (!decode_record(value, record.arrival_ms, record.partition, record.data)) {
      // As with a bad key: the client was told this record was accepted, so starting without it
      // would lose it silently.
      throw std::runtime_error("firehose: corrupt buffered record '" + printable(key) + "' in the data dir");
    }
    auto& stream = *it->second;
    stream.next_seq = std::max(stream.next_seq, record.seq + 1);
    std::vector<Record> one;
    one.push_back(std::move(record));
    stream.held_bytes += one.front().data.size();
    buffer_records_locked(stream, one);
    ++recovered;
    return true;
  });
  if (!orphans.empty()) store_.commit(std::move(orphans), [](const store::Status&) {});
  if (!streams_.empty()) {
    spdlog::info("firehose: recovered {} delivery streams, {} buffered records", streams_.size(), recovered);
  }
}

// ---- workers ----

void FirehoseEngine::submit(std::shared_ptr<Stream> stream, std::shared_ptr<Job> job) {
  {
    std::lock_guard lock(work_mutex_);
    if (workers_stopping_) return;
    work_.emplace_back(std::move(stream), std::move(job));
  }
  work_ready_.notify_one();
}

void FirehoseEngine::worker_loop() {
  while (true) {
    std::pair<std::shared_ptr<Stream>, std::shared_ptr<Job>> item;
    {
      std::unique_lock lock(work_mutex_);
      work_ready_.wait(lock, [this] { return workers_stopping_ || !work_.empty(); });
      if (workers_stopping_) return;
      item = std::move(work_.front());
      work_.pop_front();
    }
    try {
      deliver(item.first, item.second);
    } catch (const std::exception& e) {
      delivery_failed(item.first, item.second, std::string("InternalFailure: ") + e.what());
    }
  }
}

bool FirehoseEngine::wait_idle(std::int64_t timeout_ms) {
  std::unique_lock lock(work_mutex_);
  return work_idle_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                             [this] { return jobs_outstanding_ == 0; });
}

}  // namespace fanout::services::firehose
