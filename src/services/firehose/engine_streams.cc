// Delivery stream management: create, describe, list, update, delete, tags and encryption.
#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include "common/crypto.h"
#include "services/firehose/engine_internal.h"
#include "services/firehose/firehose_error.h"

namespace fanout::services::firehose {

namespace json = boost::json;

namespace {

std::string str_of(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

const json::object* object_of(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_object() ? &v->as_object() : nullptr;
}

std::optional<std::int64_t> int_of(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (v && v->is_int64()) return v->as_int64();
  if (v && v->is_uint64()) return static_cast<std::int64_t>(v->as_uint64());
  return std::nullopt;
}

StreamEncryption parse_encryption(const json::object& input) {
  StreamEncryption e;
  e.key_type = str_of(input, "KeyType");
  e.key_arn = str_of(input, "KeyARN");
  if (e.key_type.empty()) e.key_type = "AWS_OWNED_CMK";
  if (e.key_type == "CUSTOMER_MANAGED_CMK" && e.key_arn.empty()) {
    throw errors::invalid_argument("KeyARN is required when KeyType is CUSTOMER_MANAGED_CMK.");
  }
  if (e.key_type == "AWS_OWNED_CMK" && !e.key_arn.empty()) {
    throw errors::invalid_argument("KeyARN must not be specified when KeyType is AWS_OWNED_CMK.");
  }
  e.enabled = true;
  return e;
}

double seconds(std::int64_t ms) { return static_cast<double>(ms) / 1000.0; }

}  // namespace

void FirehoseEngine::save_config(const std::shared_ptr<Stream>& stream, Completion done,
                                 json::object result) {
  auto config = stream->config();
  store::Batch batch;
  batch.put(kStreamsCf, stream_key(config->account, config->name), json::serialize(config->to_json()));
  store_.commit(std::move(batch), [life = life_, done = std::move(done),
                                   result = std::move(result)](const store::Status& status) mutable {
    if (status.ok) {
      done(std::move(result));
    } else {
      done(errors::internal(status.message).error());
    }
  });
}

void FirehoseEngine::create_delivery_stream(const Context& context, const Input& input, Completion& done) {
  const std::string name = str_of(input, "DeliveryStreamName");
  const std::string type =
      input.contains("DeliveryStreamType") ? str_of(input, "DeliveryStreamType") : "DirectPut";
  if (type != "DirectPut") {
    throw errors::invalid_argument("DeliveryStreamType " + type +
                                   " is not supported by fanoutd; only DirectPut streams are.");
  }
  const auto* s3 = object_of(input, "S3DestinationConfiguration");
  const auto* extended = object_of(input, "ExtendedS3DestinationConfiguration");
  for (std::string_view other :
       {"RedshiftDestinationConfiguration", "ElasticsearchDestinationConfiguration",
        "AmazonopensearchserviceDestinationConfiguration", "SplunkDestinationConfiguration",
        "HttpEndpointDestinationConfiguration", "AmazonOpenSearchServerlessDestinationConfiguration",
        "SnowflakeDestinationConfiguration", "IcebergDestinationConfiguration"}) {
    if (input.contains(other)) {
      throw errors::invalid_argument(std::string(other) +
                                     " is not supported by fanoutd; use an S3 destination.");
    }
  }
  if ((s3 != nullptr) == (extended != nullptr)) {
    throw errors::invalid_argument(
        "Exactly one destination configuration must be specified: S3DestinationConfiguration or "
        "ExtendedS3DestinationConfiguration.");
  }
  StreamConfig config;
  config.account = context.account_id;
  config.region = region_;
  config.name = name;
  config.id = crypto::hex(crypto::random_bytes(8));
  config.created_ms = config.updated_ms = now();
  config.destination = parse_s3_destination(extended ? *extended : *s3, extended != nullptr);
  if (const auto* enc = object_of(input, "DeliveryStreamEncryptionConfigurationInput")) {
    config.encryption = parse_encryption(*enc);
  }
  if (const auto* tags = input.if_contains("Tags"); tags && tags->is_array()) {
    if (tags->as_array().size() > kMaxTagsPerStream) {
      throw errors::limit_exceeded("A delivery stream can have at most 50 tags.");
    }
    for (const auto& t : tags->as_array()) {
      config.tags[str_of(t.as_object(), "Key")] = str_of(t.as_object(), "Value");
    }
  }
  const std::string arn = config.arn();
  auto stream = std::make_shared<Stream>();
  stream->compiled = compile(std::move(config));
  {
    std::unique_lock lock(mutex_);
    const std::string key = stream_key(context.account_id, name);
    if (streams_.contains(key)) {
      throw errors::in_use("Firehose " + name + " under accountId " + context.account_id + " already exists");
    }
    std::size_t owned = 0;
    const std::string account_prefix = context.account_id + "/";
    for (auto it = streams_.lower_bound(account_prefix);
         it != streams_.end() && it->first.starts_with(account_prefix); ++it) {
      ++owned;
    }
    if (owned >= options_.max_streams_per_account) {
      throw errors::limit_exceeded("You have already consumed your firehose quota of " +
                                   std::to_string(options_.max_streams_per_account) + " hoses.");
    }
    streams_[key] = stream;
  }
  schedule(options_.activation_delay_ms, [stream] {
    std::lock_guard lock(stream->mutex);
    stream->active = true;
  });
  save_config(stream, std::move(done), json::object{{"DeliveryStreamARN", arn}});
}

void FirehoseEngine::delete_delivery_stream(const Context& context, const Input& input, Completion& done) {
  const std::string name = str_of(input, "DeliveryStreamName");
  std::shared_ptr<Stream> stream;
  {
    std::unique_lock lock(mutex_);
    auto it = streams_.find(stream_key(context.account_id, name));
    if (it == streams_.end()) throw errors::stream_not_found(name, context.account_id);
    stream = it->second;
    streams_.erase(it);
  }
  std::string id;
  {
    std::lock_guard lock(stream->mutex);
    stream->deleted = true;
    stream->buffers.clear();
    id = stream->config()->id;
    std::lock_guard work_lock(work_mutex_);
    jobs_outstanding_ -= stream->queued.size();
    stream->queued.clear();
  }
  work_idle_.notify_all();
  store::Batch batch;
  batch.erase(kStreamsCf, stream_key(context.account_id, name));
  const std::string prefix = record_prefix(id);
  batch.erase_range(kRecordsCf, prefix, prefix + "\x7f");
  store_.commit(std::move(batch), [done = std::move(done)](const store::Status& status) mutable {
    if (status.ok) {
      done(json::object{});
    } else {
      done(errors::internal(status.message).error());
    }
  });
}

void FirehoseEngine::describe_delivery_stream(const Context& context, const Input& input, Completion& done) {
  auto stream = require_stream(context, input);
  std::shared_ptr<const StreamConfig> config;
  bool active;
  std::string failure;
  {
    std::lock_guard lock(stream->mutex);
    config = stream->config();
    active = stream->active;
    failure = stream->failure;
  }
  json::object encryption{{"Status", config->encryption.enabled ? "ENABLED" : "DISABLED"}};
  if (!config->encryption.key_type.empty()) encryption["KeyType"] = config->encryption.key_type;
  if (!config->encryption.key_arn.empty()) encryption["KeyARN"] = config->encryption.key_arn;
  json::object description{
      {"DeliveryStreamName", config->name},
      {"DeliveryStreamARN", config->arn()},
      {"DeliveryStreamStatus", active ? "ACTIVE" : "CREATING"},
      {"DeliveryStreamEncryptionConfiguration", encryption},
      {"DeliveryStreamType", "DirectPut"},
      {"VersionId", std::to_string(config->version)},
      {"CreateTimestamp", seconds(config->created_ms)},
      {"Destinations", json::array{describe_destination(config->destination)}},
      {"HasMoreDestinations", false},
  };
  if (config->version > 1) description["LastUpdateTimestamp"] = seconds(config->updated_ms);
  if (!failure.empty())
    description["FailureDescription"] = json::object{{"Type", "UNKNOWN_ERROR"}, {"Details", failure}};
  done(json::object{{"DeliveryStreamDescription", description}});
}

void FirehoseEngine::list_delivery_streams(const Context& context, const Input& input, Completion& done) {
  const std::int64_t limit = int_of(input, "Limit").value_or(10);
  const std::string type = str_of(input, "DeliveryStreamType");
  const std::string start = str_of(input, "ExclusiveStartDeliveryStreamName");
  json::array names;
  bool more = false;
  {
    std::shared_lock lock(mutex_);
    const std::string account_prefix = context.account_id + "/";
    auto it =
        start.empty() ? streams_.lower_bound(account_prefix) : streams_.upper_bound(account_prefix + start);
    for (; it != streams_.end() && it->first.starts_with(account_prefix); ++it) {
      if (!type.empty() && type != "DirectPut") break;  // every stream here is DirectPut
      if (static_cast<std::int64_t>(names.size()) >= limit) {
        more = true;
        break;
      }
      names.emplace_back(it->first.substr(account_prefix.size()));
    }
  }
  done(json::object{{"DeliveryStreamNames", std::move(names)}, {"HasMoreDeliveryStreams", more}});
}

void FirehoseEngine::update_destination(const Context& context, const Input& input, Completion& done) {
  auto stream = require_stream(context, input);
  const std::string current_version = str_of(input, "CurrentDeliveryStreamVersionId");
  const std::string destination_id = str_of(input, "DestinationId");
  const auto* s3 = object_of(input, "S3DestinationUpdate");
  const auto* extended = object_of(input, "ExtendedS3DestinationUpdate");
  for (std::string_view other : {"RedshiftDestinationUpdate", "ElasticsearchDestinationUpdate",
                                 "AmazonopensearchserviceDestinationUpdate", "SplunkDestinationUpdate",
                                 "HttpEndpointDestinationUpdate"}) {
    if (input.contains(other)) {
      throw errors::invalid_argument(std::string(other) + " cannot be applied to an S3 destination.");
    }
  }
  if (s3 && extended) {
    throw errors::invalid_argument(
        "Only one of S3DestinationUpdate and ExtendedS3DestinationUpdate may be specified.");
  }
  {
    std::lock_guard lock(stream->mutex);
    auto config = stream->config();
    if (destination_id != kDestinationId) {
      throw errors::invalid_argument("Destination " + destination_id + " not found for Firehose " +
                                     config->name + ".");
    }
    if (current_version != std::to_string(config->version)) {
      throw errors::concurrent_modification(
          "Cannot update firehose: " + config->name +
          " since the current version id: " + std::to_string(config->version) +
          " and the specified version id: " + current_version + " do not match");
    }
    StreamConfig updated = *config;
    if (s3 || extended) {
      updated.destination =
          apply_s3_update(config->destination, extended ? *extended : *s3, extended != nullptr);
      if (updated.destination.dynamic_partitioning != config->destination.dynamic_partitioning) {
        throw errors::invalid_argument(
            "Dynamic partitioning cannot be enabled or disabled on an existing Firehose.");
      }
    }
    ++updated.version;
    updated.updated_ms = now();
    stream->compiled = compile(std::move(updated));
  }
  save_config(stream, std::move(done));
  on_timer(stream);  // new buffering hints apply to what is already buffered
}

void FirehoseEngine::tag_delivery_stream(const Context& context, const Input& input, Completion& done) {
  auto stream = require_stream(context, input);
  {
    std::lock_guard lock(stream->mutex);
    StreamConfig updated = *stream->config();
    if (const auto* tags = input.if_contains("Tags"); tags && tags->is_array()) {
      for (const auto& t : tags->as_array())
        updated.tags[str_of(t.as_object(), "Key")] = str_of(t.as_object(), "Value");
    }
    if (updated.tags.size() > kMaxTagsPerStream) {
      throw errors::limit_exceeded("A delivery stream can have at most 50 tags; this request would leave " +
                                   std::to_string(updated.tags.size()) + ".");
    }
    stream->compiled = compile(std::move(updated));
  }
  save_config(stream, std::move(done));
}

void FirehoseEngine::untag_delivery_stream(const Context& context, const Input& input, Completion& done) {
  auto stream = require_stream(context, input);
  {
    std::lock_guard lock(stream->mutex);
    StreamConfig updated = *stream->config();
    if (const auto* keys = input.if_contains("TagKeys"); keys && keys->is_array()) {
      for (const auto& k : keys->as_array()) {
        if (k.is_string()) updated.tags.erase(std::string(k.as_string()));
      }
    }
    stream->compiled = compile(std::move(updated));
  }
  save_config(stream, std::move(done));
}

void FirehoseEngine::list_tags_for_delivery_stream(const Context& context, const Input& input,
                                                   Completion& done) {
  auto stream = require_stream(context, input);
  const std::int64_t limit = int_of(input, "Limit").value_or(50);
  const std::string start = str_of(input, "ExclusiveStartTagKey");
  auto config = [&] {
    std::lock_guard lock(stream->mutex);
    return stream->config();
  }();
  json::array tags;
  bool more = false;
  for (auto it = start.empty() ? config->tags.begin() : config->tags.upper_bound(start);
       it != config->tags.end(); ++it) {
    if (static_cast<std::int64_t>(tags.size()) >= limit) {
      more = true;
      break;
    }
    tags.push_back(json::object{{"Key", it->first}, {"Value", it->second}});
  }
  done(json::object{{"Tags", std::move(tags)}, {"HasMoreTags", more}});
}

void FirehoseEngine::start_encryption(const Context& context, const Input& input, Completion& done) {
  auto stream = require_stream(context, input);
  StreamEncryption encryption;
  if (const auto* enc = object_of(input, "DeliveryStreamEncryptionConfigurationInput")) {
    encryption = parse_encryption(*enc);
  } else {
    encryption = {"AWS_OWNED_CMK", "", true};
  }
  {
    std::lock_guard lock(stream->mutex);
    StreamConfig updated = *stream->config();
    updated.encryption = encryption;
    stream->compiled = compile(std::move(updated));
  }
  save_config(stream, std::move(done));
}

void FirehoseEngine::stop_encryption(const Context& context, const Input& input, Completion& done) {
  auto stream = require_stream(context, input);
  {
    std::lock_guard lock(stream->mutex);
    StreamConfig updated = *stream->config();
    updated.encryption.enabled = false;
    stream->compiled = compile(std::move(updated));
  }
  save_config(stream, std::move(done));
}

}  // namespace fanout::services::firehose
