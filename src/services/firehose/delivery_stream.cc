#include "services/firehose/delivery_stream.h"

#include <algorithm>
#include <boost/json.hpp>

#include "services/firehose/firehose_error.h"
#include "services/firehose/metadata_query.h"
#include "services/firehose/object_naming.h"

namespace fanout::services::firehose {

namespace json = boost::json;

namespace {

std::string str_member(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::optional<std::int64_t> int_member(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (!v) return std::nullopt;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64()) return static_cast<std::int64_t>(v->as_uint64());
  return std::nullopt;
}

bool bool_member(const json::object& o, std::string_view key, bool fallback) {
  const auto* v = o.if_contains(key);
  return v && v->is_bool() ? v->as_bool() : fallback;
}

FirehoseError unsupported(const std::string& what) {
  return errors::invalid_argument(what + " is not supported by fanoutd.");
}

void parse_processing(const json::object& processing, S3Destination& d) {
  if (!bool_member(processing, "Enabled", false)) return;
  const auto* processors = processing.if_contains("Processors");
  if (!processors || !processors->is_array()) return;
  for (const auto& p : processors->as_array()) {
    if (!p.is_object()) continue;
    const auto& po = p.as_object();
    const std::string type = str_member(po, "Type");
    std::map<std::string, std::string> params;
    if (const auto* list = po.if_contains("Parameters"); list && list->is_array()) {
      for (const auto& param : list->as_array()) {
        if (!param.is_object()) continue;
        params[str_member(param.as_object(), "ParameterName")] =
            str_member(param.as_object(), "ParameterValue");
      }
    }
    if (type == "AppendDelimiterToRecord") {
      if (auto it = params.find("Delimiter");
          it != params.end() && it->second != "\\n" && it->second != "\n") {
        throw unsupported("A Delimiter other than \\n for AppendDelimiterToRecord");
      }
      d.append_delimiter = true;
    } else if (type == "MetadataExtraction") {
      auto query = params.find("MetadataExtractionQuery");
      if (query == params.end()) {
        throw errors::invalid_argument(
            "MetadataExtraction processor requires the MetadataExtractionQuery parameter.");
      }
      if (auto engine = params.find("JsonParsingEngine");
          engine != params.end() && engine->second != "JQ-1.6") {
        throw errors::invalid_argument("JsonParsingEngine must be JQ-1.6.");
      }
      std::string why;
      if (!MetadataQuery::parse(query->second, &why)) {
        throw errors::invalid_argument("MetadataExtractionQuery is not valid: " + why);
      }
      d.metadata_query = query->second;
    } else if (type == "Lambda") {
      throw unsupported("The Lambda processor (data transformation)");
    } else if (type == "RecordDeAggregation") {
      throw errors::invalid_argument(
          "RecordDeAggregation is only supported for Kinesis Data Streams sources.");
    }
  }
}

}  // namespace

std::string S3Destination::bucket() const {
  constexpr std::string_view kPrefix = "arn:aws:s3:::";
  return bucket_arn.starts_with(kPrefix) ? bucket_arn.substr(kPrefix.size()) : std::string();
}

S3Destination parse_s3_destination(const json::object& config, bool extended) {
  S3Destination d;
  d.extended = extended;
  d.raw = config;
  d.role_arn = str_member(config, "RoleARN");
  d.bucket_arn = str_member(config, "BucketARN");
  d.prefix = str_member(config, "Prefix");
  d.error_prefix = str_member(config, "ErrorOutputPrefix");
  if (d.role_arn.empty() || d.bucket_arn.empty()) {
    throw errors::invalid_argument("RoleARN and BucketARN are required for an S3 destination.");
  }
  const std::string bucket = d.bucket();
  if (bucket.empty() || bucket.size() < 3 || bucket.size() > 63 || bucket.find('/') != std::string::npos) {
    throw errors::invalid_argument("BucketARN " + d.bucket_arn + " is not a valid S3 bucket ARN.");
  }
  if (!d.role_arn.starts_with("arn:aws:iam::")) {
    throw errors::invalid_argument("RoleARN " + d.role_arn + " is not a valid IAM role ARN.");
  }
  if (const auto* hints = config.if_contains("BufferingHints"); hints && hints->is_object()) {
    if (auto size = int_member(hints->as_object(), "SizeInMBs")) d.size_mb = static_cast<int>(*size);
    if (auto interval = int_member(hints->as_object(), "IntervalInSeconds"))
      d.interval_seconds = static_cast<int>(*interval);
  }
  if (d.size_mb < 1 || d.size_mb > 128)
    throw errors::invalid_argument("BufferingHints.SizeInMBs must be between 1 and 128.");
  if (d.interval_seconds < 0 || d.interval_seconds > 900) {
    throw errors::invalid_argument("BufferingHints.IntervalInSeconds must be between 0 and 900.");
  }
  if (auto c = str_member(config, "CompressionFormat"); !c.empty()) d.compression = c;
  if (d.compression != "UNCOMPRESSED" && d.compression != "GZIP" && d.compression != "ZIP" &&
      d.compression != "Snappy" && d.compression != "HADOOP_SNAPPY") {
    throw errors::invalid_argument("CompressionFormat " + d.compression + " is not valid.");
  }
  if (extended) {
    d.file_extension = str_member(config, "FileExtension");
    if (!d.file_extension.empty()) {
      const bool valid_chars = std::all_of(d.file_extension.begin(), d.file_extension.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
               std::string_view("!-_.*'()").find(c) != std::string_view::npos;
      });
      if (d.file_extension.front() != '.' || !valid_chars) {
        throw errors::invalid_argument(
            "FileExtension " + d.file_extension +
            " is not valid: it must start with a period and use only 0-9, a-z and !-_.*'().");
      }
    }
    if (const auto* p = config.if_contains("ProcessingConfiguration"); p && p->is_object())
      parse_processing(p->as_object(), d);
    if (const auto* dp = config.if_contains("DynamicPartitioningConfiguration"); dp && dp->is_object()) {
      d.dynamic_partitioning = bool_member(dp->as_object(), "Enabled", false);
      if (const auto* retry = dp->as_object().if_contains("RetryOptions"); retry && retry->is_object()) {
        if (auto seconds = int_member(retry->as_object(), "DurationInSeconds"))
          d.partitioning_retry_seconds = static_cast<int>(*seconds);
      }
    }
    if (str_member(config, "S3BackupMode") == "Enabled")
      throw unsupported("S3BackupMode Enabled (source record backup)");
    if (const auto* f = config.if_contains("DataFormatConversionConfiguration"); f && f->is_object()) {
      if (bool_member(f->as_object(), "Enabled", true))
        throw unsupported("DataFormatConversionConfiguration");
    }
  }
  if (d.dynamic_partitioning) {
    if (d.size_mb < 64) {
      throw errors::invalid_argument(
          "BufferingHints.SizeInMBs must be at least 64 when dynamic partitioning is enabled.");
    }
    if (d.interval_seconds < 60) {
      throw errors::invalid_argument(
          "BufferingHints.IntervalInSeconds must be at least 60 when dynamic partitioning is enabled.");
    }
  } else if (!d.metadata_query.empty()) {
    throw errors::invalid_argument(
        "The MetadataExtraction processor requires dynamic partitioning to be enabled.");
  }
  auto naming = ObjectNaming::make(d.prefix, d.error_prefix, d.dynamic_partitioning);
  if (!naming.prefix().keys(PrefixTemplate::Kind::partition_key_from_lambda).empty()) {
    throw unsupported("partitionKeyFromLambda (it needs a Lambda processor)");
  }
  const auto query_keys = naming.prefix().keys(PrefixTemplate::Kind::partition_key_from_query);
  if (!query_keys.empty()) {
    if (d.metadata_query.empty()) {
      throw errors::invalid_argument(
          "Prefix uses partitionKeyFromQuery, but no MetadataExtraction processor defines partition keys.");
    }
    auto query = MetadataQuery::parse(d.metadata_query);
    auto defined = query->keys();
    for (const auto& key : query_keys) {
      if (std::find(defined.begin(), defined.end(), key) == defined.end()) {
        throw errors::invalid_argument("The partition key " + key +
                                       " used in Prefix is not defined by the MetadataExtractionQuery.");
      }
    }
  }
  return d;
}

S3Destination apply_s3_update(const S3Destination& current, const json::object& update, bool extended) {
  json::object merged = current.raw;
  for (const auto& [key, value] : update) merged[key] = value;
  return parse_s3_destination(merged, extended || current.extended);
}

json::object describe_destination(const S3Destination& d) {
  json::object hints{{"SizeInMBs", d.size_mb}, {"IntervalInSeconds", d.interval_seconds}};
  auto raw_or = [&](std::string_view key, json::value fallback) -> json::value {
    if (const auto* v = d.raw.if_contains(key)) return *v;
    return fallback;
  };
  json::object plain{
      {"RoleARN", d.role_arn},
      {"BucketARN", d.bucket_arn},
      {"BufferingHints", hints},
      {"CompressionFormat", d.compression},
      {"EncryptionConfiguration",
       raw_or("EncryptionConfiguration", json::object{{"NoEncryptionConfig", "NoEncryption"}})},
      {"CloudWatchLoggingOptions", raw_or("CloudWatchLoggingOptions", json::object{{"Enabled", false}})}};
  if (!d.prefix.empty()) plain["Prefix"] = d.prefix;
  if (!d.error_prefix.empty()) plain["ErrorOutputPrefix"] = d.error_prefix;
  json::object extended = plain;
  extended["S3BackupMode"] = raw_or("S3BackupMode", "Disabled");
  for (std::string_view key : {"ProcessingConfiguration", "DynamicPartitioningConfiguration", "FileExtension",
                               "CustomTimeZone", "DataFormatConversionConfiguration"}) {
    if (const auto* v = d.raw.if_contains(key)) extended[key] = *v;
  }
  return json::object{{"DestinationId", kDestinationId},
                      {"S3DestinationDescription", plain},
                      {"ExtendedS3DestinationDescription", extended}};
}

std::string StreamConfig::arn() const {
  return "arn:aws:firehose:" + region + ":" + account + ":deliverystream/" + name;
}

json::object StreamConfig::to_json() const {
  json::object tag_object;
  for (const auto& [k, v] : tags) tag_object[k] = v;
  return json::object{{"account", account},
                      {"region", region},
                      {"name", name},
                      {"id", id},
                      {"created_ms", created_ms},
                      {"updated_ms", updated_ms},
                      {"version", version},
                      {"extended", destination.extended},
                      {"destination", destination.raw},
                      {"tags", tag_object},
                      {"encryption", json::object{{"key_type", encryption.key_type},
                                                  {"key_arn", encryption.key_arn},
                                                  {"enabled", encryption.enabled}}}};
}

StreamConfig StreamConfig::from_json(const json::object& j) {
  StreamConfig c;
  c.account = str_member(j, "account");
  c.region = str_member(j, "region");
  c.name = str_member(j, "name");
  c.id = str_member(j, "id");
  c.created_ms = int_member(j, "created_ms").value_or(0);
  c.updated_ms = int_member(j, "updated_ms").value_or(0);
  c.version = static_cast<std::uint64_t>(int_member(j, "version").value_or(1));
  c.destination = parse_s3_destination(j.at("destination").as_object(), bool_member(j, "extended", false));
  for (const auto& [k, v] : j.at("tags").as_object()) c.tags[std::string(k)] = std::string(v.as_string());
  const auto& e = j.at("encryption").as_object();
  c.encryption = {str_member(e, "key_type"), str_member(e, "key_arn"), bool_member(e, "enabled", false)};
  return c;
}

std::optional<StreamArn> parse_stream_arn(std::string_view arn) {
  constexpr std::string_view kPrefix = "arn:aws:firehose:";
  if (!arn.starts_with(kPrefix)) return std::nullopt;
  auto rest = arn.substr(kPrefix.size());
  auto c1 = rest.find(':');
  if (c1 == std::string_view::npos) return std::nullopt;
  auto c2 = rest.find(':', c1 + 1);
  if (c2 == std::string_view::npos) return std::nullopt;
  auto resource = rest.substr(c2 + 1);
  constexpr std::string_view kResource = "deliverystream/";
  if (!resource.starts_with(kResource) || resource.size() == kResource.size()) return std::nullopt;
  StreamArn out{std::string(rest.substr(0, c1)), std::string(rest.substr(c1 + 1, c2 - c1 - 1)),
                std::string(resource.substr(kResource.size()))};
  if (out.account.size() != 12) return std::nullopt;
  return out;
}

}  // namespace fanout::services::firehose
