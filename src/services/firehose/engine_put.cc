// PutRecord / PutRecordBatch and puts from other engines: one durable store batch per call.
#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <optional>

#include "common/crypto.h"
#include "services/firehose/delivery_stream.h"
#include "services/firehose/engine_internal.h"
#include "services/firehose/firehose_error.h"

namespace fanout::services::firehose {

namespace json = boost::json;

namespace {

constexpr std::string_view kNotJson = "Non JSON record provided";
constexpr std::string_view kNoKey = "The MetadataExtractionQuery evaluated to null or to an object or array";

std::string record_id(std::string_view stream_id, std::uint64_t seq) {
  // Opaque to clients; unique per stream incarnation and record.
  return record_key(stream_id, seq).erase(stream_id.size(), 1) + "0000";
}

// The partition a record goes to: its partition keys, or the error partition.
std::string partition_for(const FirehoseEngine::Stream::Compiled& compiled, std::string_view data) {
  if (!compiled.query) return {};
  if (auto keys = compiled.query->evaluate(data)) return partition_id(*keys);
  boost::system::error_code ec;
  auto parsed = json::parse(data, ec);
  const std::string_view why = ec || !parsed.is_object() ? kNotJson : kNoKey;
  return std::string(1, kErrorPartitionMark) + "partitioning-failed" + std::string(1, kErrorPartitionMark) +
         std::string(why);
}

// Base64 the gateway has already checked against the model (canonical, blob length limits):
// decoded straight into a sized buffer, the hot loop of PutRecordBatch. nullopt for bytes that
// are not base64 all the same, since engines may be called without the gateway.
std::optional<std::string> decode_data(std::string_view text) {
  static const auto table = [] {
    std::array<std::int8_t, 256> t{};
    t.fill(-1);
    const std::string_view alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (std::size_t i = 0; i < alphabet.size(); ++i)
      t[static_cast<unsigned char>(alphabet[i])] = static_cast<std::int8_t>(i);
    return t;
  }();
  if (text.size() % 4 != 0) return std::nullopt;
  std::size_t pad = 0;
  if (!text.empty() && text.back() == '=') pad = text.size() >= 2 && text[text.size() - 2] == '=' ? 2 : 1;
  std::string out(text.size() / 4 * 3 - pad, '\0');
  std::size_t o = 0;
  for (std::size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    std::uint32_t n = 0;
    for (std::size_t k = 0; k < 4; ++k) {
      const unsigned char c = static_cast<unsigned char>(text[i + k]);
      if (last && k >= 4 - pad) {
        n <<= 6;
        continue;
      }
      const auto v = table[c];
      if (v < 0) return std::nullopt;
      n = (n << 6) | static_cast<std::uint32_t>(v);
    }
    out[o++] = static_cast<char>((n >> 16) & 0xff);
    if (o < out.size()) out[o++] = static_cast<char>((n >> 8) & 0xff);
    if (o < out.size()) out[o++] = static_cast<char>(n & 0xff);
  }
  return out;
}

}  // namespace

void FirehoseEngine::append_records(
    const std::shared_ptr<Stream>& stream, std::vector<std::string> datas,
    std::function<void(std::variant<std::vector<std::string>, protocol::ServiceError>)> done) {
  std::shared_ptr<const Stream::Compiled> compiled;
  {
    std::lock_guard lock(stream->mutex);
    compiled = stream->compiled;
  }
  auto records = std::make_shared<std::vector<Record>>();
  records->reserve(datas.size());
  std::size_t bytes = 0;
  const std::int64_t arrival = now();
  for (auto& data : datas) {
    Record r;
    r.arrival_ms = arrival;
    r.partition = partition_for(*compiled, data);
    bytes += data.size();
    r.data = std::move(data);
    records->push_back(std::move(r));
  }
  std::vector<std::string> ids;
  ids.reserve(records->size());
  store::Batch batch;
  // `done` now belongs to this function (the caller's copy is moved-from), so refusals are
  // answered through it rather than thrown; they are decided under the lock, answered after it.
  std::optional<protocol::ServiceError> refused;
  std::unique_lock stream_lock(stream->mutex);
  if (stream->deleted || !stream->active) {
    refused = errors::stream_not_found(compiled->config->name, compiled->config->account).error();
  } else if (stream->held_bytes + bytes > options_.max_held_bytes_per_stream) {
    refused = errors::service_unavailable("Slow down.").error();
  }
  if (refused) {
    stream_lock.unlock();
    done(std::move(*refused));
    return;
  }
  const std::string& id = compiled->config->id;
  for (auto& r : *records) {
    r.seq = stream->next_seq++;
    batch.put(kRecordsCf, record_key(id, r.seq), encode_record(r.arrival_ms, r.partition, r.data));
    ids.push_back(record_id(id, r.seq));
  }
  stream->held_bytes += bytes;
  records_in_ += records->size();
  // Handed over under the stream's lock: the store applies and acknowledges batches in this
  // order, so records reach the buffers in sequence order.
  store_.commit(std::move(batch), [this, life = life_, stream, records, bytes, ids = std::move(ids),
                                   done = std::move(done)](const store::Status& status) mutable {
    if (!status.ok) {
      {
        std::lock_guard lock(stream->mutex);
        stream->held_bytes -= bytes;
      }
      done(errors::service_unavailable("The record could not be stored: " + status.message).error());
      return;
    }
    life->run([&] { buffer_committed(stream, *records); });
    done(std::move(ids));
  });
}

void FirehoseEngine::buffer_committed(const std::shared_ptr<Stream>& stream, std::vector<Record>& records) {
  std::lock_guard lock(stream->mutex);
  if (stream->deleted) return;
  buffer_records_locked(*stream, records);
  cut_due_locked(*stream, now());
  if (const std::int64_t due = next_interval_due_locked(*stream); due != 0) arm_timer_locked(stream, due);
  pump_locked(stream);
}

void FirehoseEngine::put_record(const Context& context, const Input& input, Completion& done) {
  auto stream = require_stream(context, input);
  const auto* record = input.if_contains("Record");
  const auto* data = record && record->is_object() ? record->as_object().if_contains("Data") : nullptr;
  auto bytes = data && data->is_string() ? decode_data(data->as_string()) : std::nullopt;
  if (!bytes) throw errors::invalid_argument("Record.Data must be base64-encoded binary data.");
  if (bytes->size() > kMaxRecordBytes) {
    throw errors::invalid_argument("Record size exceeds the limit of 1000 KiB.");
  }
  std::vector<std::string> datas;
  datas.push_back(std::move(*bytes));
  const bool encrypted = [&] {
    std::lock_guard lock(stream->mutex);
    return stream->config()->encryption.enabled;
  }();
  append_records(stream, std::move(datas), [done = std::move(done), encrypted](auto result) mutable {
    if (auto* error = std::get_if<protocol::ServiceError>(&result)) {
      done(std::move(*error));
      return;
    }
    done(json::object{{"RecordId", std::get<0>(result).front()}, {"Encrypted", encrypted}});
  });
}

void FirehoseEngine::put_record_batch(const Context& context, const Input& input, Completion& done) {
  auto stream = require_stream(context, input);
  const auto* list = input.if_contains("Records");
  if (!list || !list->is_array() || list->as_array().empty()) {
    throw errors::invalid_argument("Records must contain between 1 and 500 records.");
  }
  if (list->as_array().size() > kMaxBatchRecords) {
    throw errors::invalid_argument("Records must contain between 1 and 500 records.");
  }
  std::vector<std::string> datas;
  datas.reserve(list->as_array().size());
  std::size_t total = 0;
  for (const auto& entry : list->as_array()) {
    const auto* data = entry.is_object() ? entry.as_object().if_contains("Data") : nullptr;
    auto bytes = data && data->is_string() ? decode_data(data->as_string()) : std::nullopt;
    if (!bytes) throw errors::invalid_argument("Record.Data must be base64-encoded binary data.");
    if (bytes->size() > kMaxRecordBytes) {
      throw errors::invalid_argument("Record size exceeds the limit of 1000 KiB.");
    }
    total += bytes->size();
    datas.push_back(std::move(*bytes));
  }
  if (total > kMaxBatchBytes) {
    throw errors::invalid_argument("Records size exceeds the limit of 4 MiB for a PutRecordBatch request.");
  }
  const std::size_t count = datas.size();
  const bool encrypted = [&] {
    std::lock_guard lock(stream->mutex);
    return stream->config()->encryption.enabled;
  }();
  auto answer = [done = std::move(done), encrypted, count](auto result) mutable {
    json::array responses;
    std::size_t failed = 0;
    if (auto* ids = std::get_if<std::vector<std::string>>(&result)) {
      for (auto& id : *ids) responses.push_back(json::object{{"RecordId", std::move(id)}});
    } else {
      const auto& error = std::get<protocol::ServiceError>(result);
      if (error.code != "ServiceUnavailableException") {
        done(error);  // e.g. the stream is not ACTIVE: the call fails, as on AWS
        return;
      }
      // Throttled or not stored: every record failed, reported per record as AWS does.
      for (std::size_t i = 0; i < count; ++i) {
        responses.push_back(json::object{{"ErrorCode", error.code}, {"ErrorMessage", error.message}});
      }
      failed = count;
    }
    done(json::object{
        {"FailedPutCount", failed}, {"Encrypted", encrypted}, {"RequestResponses", std::move(responses)}});
  };
  append_records(stream, std::move(datas), std::move(answer));
}

std::variant<std::shared_ptr<FirehoseEngine::Stream>, std::string> FirehoseEngine::service_stream(
    const std::string& stream_arn, const std::string& role_arn, std::size_t bytes) const {
  auto arn = parse_stream_arn(stream_arn);
  if (!arn || arn->region != region_) {
    return "ResourceNotFoundException: " + stream_arn + " is not a delivery stream of this server";
  }
  if (!role_arn.starts_with("arn:aws:iam::")) {
    return "AccessDeniedException: " + role_arn + " is not an IAM role ARN";
  }
  auto stream = find_stream(arn->account, arn->name);
  if (!stream) return std::string(errors::stream_not_found(arn->name, arn->account).what());
  if (bytes > kMaxRecordBytes) return "InvalidArgumentException: Record size exceeds the limit of 1000 KiB.";
  return stream;
}

void FirehoseEngine::put_service_record(const std::string& stream_arn, const std::string& role_arn,
                                        std::string data, std::function<void(ServicePutResult)> done) {
  using Outcome = ServicePutResult::Outcome;
  auto found = service_stream(stream_arn, role_arn, data.size());
  if (auto* why = std::get_if<std::string>(&found)) {
    done({Outcome::rejected, std::move(*why)});
    return;
  }
  std::vector<std::string> datas;
  datas.push_back(std::move(data));
  append_records(std::get<0>(found), std::move(datas), [done = std::move(done)](auto result) {
    if (auto* error = std::get_if<protocol::ServiceError>(&result)) {
      // Not ACTIVE yet, or throttled: SNS retries with backoff.
      done({Outcome::retry, error->code + ": " + error->message});
    } else {
      done({Outcome::delivered, {}});
    }
  });
}

std::function<void(bool)> FirehoseEngine::stage_service_record(const std::string& stream_arn,
                                                               const std::string& role_arn,
                                                               std::string_view data, store::Batch& batch) {
  auto found = service_stream(stream_arn, role_arn, data.size());
  auto* stream = std::get_if<std::shared_ptr<Stream>>(&found);
  if (!stream) return {};
  std::shared_ptr<const Stream::Compiled> compiled;
  {
    std::lock_guard lock((*stream)->mutex);
    compiled = (*stream)->compiled;
  }
  auto records = std::make_shared<std::vector<Record>>(1);
  Record& record = records->front();
  record.arrival_ms = now();
  record.partition = partition_for(*compiled, data);
  record.data = std::string(data);
  const std::size_t bytes = data.size();
  {
    std::lock_guard lock((*stream)->mutex);
    // As append_records refuses; put_service_record then tells SNS to retry or drop.
    if ((*stream)->deleted || !(*stream)->active ||
        (*stream)->held_bytes + bytes > options_.max_held_bytes_per_stream) {
      return {};
    }
    record.seq = (*stream)->next_seq++;
    batch.put(kRecordsCf, record_key(compiled->config->id, record.seq),
              encode_record(record.arrival_ms, record.partition, record.data));
    (*stream)->held_bytes += bytes;
  }
  ++records_in_;
  // Unlike append_records' own batches, the caller's batch may commit after a later record's:
  // buffers (and so objects) can hold records out of sequence order, which delivered() allows.
  return [this, life = life_, stream = std::move(*stream), records, bytes](bool committed) {
    if (committed) {
      life->run([&] { buffer_committed(stream, *records); });
      return;
    }
    std::lock_guard lock(stream->mutex);
    stream->held_bytes -= std::min(stream->held_bytes, bytes);
  };
}

}  // namespace fanout::services::firehose
