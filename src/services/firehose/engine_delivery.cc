// Buffers, interval timers and object delivery.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json.hpp>

#include "common/crypto.h"
#include "services/firehose/compression.h"
#include "services/firehose/engine_internal.h"
#include "services/firehose/object_destination.h"

namespace fanout::services::firehose {

namespace {

// "\x01partitioning-failed\x01<message>" → {"partitioning-failed", "<message>"}
std::pair<std::string, std::string> error_partition(std::string_view partition) {
  auto rest = partition.substr(1);
  auto mark = rest.find(kErrorPartitionMark);
  if (mark == std::string_view::npos) return {std::string(rest), {}};
  return {std::string(rest.substr(0, mark)), std::string(rest.substr(mark + 1))};
}

}  // namespace

void FirehoseEngine::buffer_records_locked(Stream& stream, std::vector<Record>& records) {
  const auto& destination = stream.config()->destination;
  const std::size_t limit = static_cast<std::size_t>(destination.size_mb) * 1024 * 1024;
  const std::size_t delimiter = destination.append_delimiter ? 1 : 0;
  for (auto& record : records) {
    auto& buffer = stream.buffers[record.partition];
    if (buffer.records.empty()) buffer.oldest_ms = record.arrival_ms;
    buffer.bytes += record.data.size() + delimiter;
    const std::string partition = record.partition;
    buffer.records.push_back(std::move(record));
    if (buffer.bytes >= limit) {
      auto job = std::make_shared<Job>();
      job->compiled = stream.compiled;
      job->partition = partition;
      job->records = std::move(buffer.records);
      job->bytes = buffer.bytes;
      job->uuid = crypto::uuid_v4();
      stream.buffers.erase(partition);
      stream.queued.push_back(std::move(job));
      std::lock_guard lock(work_mutex_);
      ++jobs_outstanding_;
    }
  }
}

void FirehoseEngine::cut_due_locked(Stream& stream, std::int64_t now_ms) {
  const std::int64_t interval = stream.config()->destination.interval_seconds * 1000LL;
  for (auto it = stream.buffers.begin(); it != stream.buffers.end();) {
    if (it->second.records.empty() || now_ms - it->second.oldest_ms < interval) {
      ++it;
      continue;
    }
    auto job = std::make_shared<Job>();
    job->compiled = stream.compiled;
    job->partition = it->first;
    job->records = std::move(it->second.records);
    job->bytes = it->second.bytes;
    job->uuid = crypto::uuid_v4();
    stream.queued.push_back(std::move(job));
    {
      std::lock_guard lock(work_mutex_);
      ++jobs_outstanding_;
    }
    it = stream.buffers.erase(it);
  }
}

void FirehoseEngine::arm_timer_locked(const std::shared_ptr<Stream>& stream, std::int64_t due_ms) {
  if (stream->timer_due_ms != 0 && stream->timer_due_ms <= due_ms) return;
  stream->timer_due_ms = due_ms;
  std::weak_ptr<Stream> weak = stream;
  schedule(std::max<std::int64_t>(0, due_ms - now()), [this, weak] {
    if (auto s = weak.lock()) on_timer(s);
  });
}

std::int64_t FirehoseEngine::next_interval_due_locked(const Stream& stream) {
  std::int64_t earliest = 0;
  const std::int64_t interval = stream.config()->destination.interval_seconds * 1000LL;
  for (const auto& [partition, buffer] : stream.buffers) {
    const std::int64_t due = buffer.oldest_ms + interval;
    if (earliest == 0 || due < earliest) earliest = due;
  }
  return earliest;
}

void FirehoseEngine::on_timer(const std::shared_ptr<Stream>& stream) {
  std::lock_guard lock(stream->mutex);
  stream->timer_due_ms = 0;
  if (stream->deleted) return;
  cut_due_locked(*stream, now());
  // Timers run on the steady clock, buffers on the wall clock: re-arm rather than assume.
  if (const std::int64_t due = next_interval_due_locked(*stream); due != 0) {
    arm_timer_locked(stream, std::max(due, now() + 1));
  }
  pump_locked(stream);
}

void FirehoseEngine::flush_due() {
  std::vector<std::shared_ptr<Stream>> streams;
  {
    std::shared_lock lock(mutex_);
    for (const auto& [key, stream] : streams_) streams.push_back(stream);
  }
  for (const auto& stream : streams) on_timer(stream);
}

void FirehoseEngine::pump_locked(const std::shared_ptr<Stream>& stream) {
  if (stream->in_flight || stream->queued.empty()) return;
  stream->in_flight = true;
  auto job = std::move(stream->queued.front());
  stream->queued.pop_front();
  submit(stream, std::move(job));
}

void FirehoseEngine::deliver(const std::shared_ptr<Stream>& stream, const std::shared_ptr<Job>& job) {
  const auto& compiled = *job->compiled;
  const auto& config = *compiled.config;
  const auto& destination = config.destination;
  if (job->first_attempt_ms == 0) job->first_attempt_ms = now();
  ++job->attempts;

  const bool error_output = !job->partition.empty() && job->partition.front() == kErrorPartitionMark;
  std::string body;
  std::string key;
  const auto keys = partition_keys(job->partition);
  const std::string extension = destination.file_extension.empty()
                                    ? std::string(compression_extension(destination.compression))
                                    : destination.file_extension;
  ObjectNaming::Object object{config.name, config.version, job->records.front().arrival_ms,
                              &keys,       job->uuid,      extension};
  if (error_output) {
    // As AWS writes records that failed processing: one JSON document per line, data in base64.
    auto [type, message] = error_partition(job->partition);
    const std::int64_t ending = now();
    for (const auto& r : job->records) {
      boost::json::object line{{"attemptsMade", 1},
                               {"arrivalTimestamp", r.arrival_ms},
                               {"errorCode", "DynamicPartitioning.MetadataExtractionFailed"},
                               {"errorMessage", message},
                               {"attemptEndingTimestamp", ending},
                               {"rawData", crypto::base64_encode(r.data)}};
      body += boost::json::serialize(line);
      body += '\n';
    }
    key = compiled.naming.error_key(object, type);
  } else {
    std::size_t size = 0;
    for (const auto& r : job->records) size += r.data.size() + 1;
    body.reserve(size);
    for (const auto& r : job->records) {
      body += r.data;
      if (destination.append_delimiter) body += '\n';
    }
    key = compiled.naming.data_key(object);
  }
  std::string entry_name = key.substr(key.rfind('/') + 1);
  if (!extension.empty() && entry_name.ends_with(extension))
    entry_name.resize(entry_name.size() - extension.size());

  ObjectWrite write;
  write.account_id = config.account;
  write.bucket = destination.bucket();
  write.key = std::move(key);
  write.content_type = "application/octet-stream";
  write.body = compress_object(destination.compression, body, entry_name);
  body = std::string();

  ObjectDestination* target = destination_for(write.bucket);
  if (!target) {
    delivery_failed(stream, job,
                    "S3.ServiceUnavailable: no S3 destination is available for bucket " + write.bucket);
    return;
  }
  target->put_object(std::move(write), [this, life = life_, stream, job](ObjectWriteResult result) {
    life->run([&] {
      if (result.ok) {
        delivered(stream, job);
      } else {
        delivery_failed(stream, job, "S3." + result.error_code + ": " + result.message);
      }
    });
  });
}

void FirehoseEngine::delivered(const std::shared_ptr<Stream>& stream, const std::shared_ptr<Job>& job) {
  ++objects_out_;
  stream->objects_delivered.fetch_add(1, std::memory_order_relaxed);
  const std::string& id = job->compiled->config->id;
  store::Batch batch;
  // Records staged into another engine's batch can reach a buffer after later ones, so an
  // object's records are not always in sequence order. Sequence numbers are unique: when the
  // count spans first..last exactly, the object holds that whole range.
  auto first = job->records.front().seq;
  auto last = first;
  for (const auto& r : job->records) {
    first = std::min(first, r.seq);
    last = std::max(last, r.seq);
  }
  if (last - first + 1 == job->records.size()) {
    batch.erase_range(kRecordsCf, record_key(id, first), record_key(id, last + 1));
  } else {
    for (const auto& r : job->records) batch.erase(kRecordsCf, record_key(id, r.seq));
  }
  store_.commit(std::move(batch), [](const store::Status& status) {
    if (!status.ok) spdlog::warn("firehose: could not forget delivered records: {}", status.message);
  });
  {
    std::lock_guard lock(stream->mutex);
    stream->in_flight = false;
    stream->failure.clear();
    stream->held_bytes -= std::min(
        stream->held_bytes,
        job->bytes - (job->compiled->config->destination.append_delimiter ? job->records.size() : 0));
    if (!stream->deleted) pump_locked(stream);
  }
  {
    std::lock_guard lock(work_mutex_);
    --jobs_outstanding_;
  }
  work_idle_.notify_all();
}

void FirehoseEngine::delivery_failed(const std::shared_ptr<Stream>& stream, const std::shared_ptr<Job>& job,
                                     const std::string& error) {
  ++delivery_failures_;
  stream->delivery_failures.fetch_add(1, std::memory_order_relaxed);
  const auto& config = *job->compiled->config;
  std::int64_t delay = 0;
  {
    std::lock_guard lock(stream->mutex);
    stream->failure = error;
    if (stream->deleted) {
      stream->in_flight = false;
    } else if (now() - job->first_attempt_ms >= options_.retry_window_ms) {
      spdlog::error("firehose: {} dropping {} records after retrying for {} ms: {}", config.name,
                    job->records.size(), options_.retry_window_ms, error);
      delay = -1;
    } else {
      const int shift = std::min(job->attempts - 1, 20);
      delay = std::min(options_.retry_max_ms, options_.retry_base_ms << shift);
    }
  }
  if (delay < 0) {
    delivered(stream, job);  // forgotten, as AWS discards data after its retry window
    --objects_out_;
    stream->objects_delivered.fetch_sub(1, std::memory_order_relaxed);
    return;
  }
  if (stream->deleted) {
    {
      std::lock_guard lock(work_mutex_);
      --jobs_outstanding_;
    }
    work_idle_.notify_all();
    return;
  }
  spdlog::warn("firehose: {} delivery attempt {} failed, retrying in {} ms: {}", config.name, job->attempts,
               delay, error);
  schedule(delay, [this, stream, job] { submit(stream, job); });
}

}  // namespace fanout::services::firehose
