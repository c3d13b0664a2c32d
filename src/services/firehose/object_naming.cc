#include "services/firehose/object_naming.h"

#include "services/firehose/firehose_error.h"

namespace fanout::services::firehose {

namespace {
using Kind = PrefixTemplate::Kind;

const TimestampPattern& default_folders() {
  static const TimestampPattern pattern = *TimestampPattern::parse("yyyy/MM/dd/HH/");
  return pattern;
}
const TimestampPattern& name_timestamp() {
  static const TimestampPattern pattern = *TimestampPattern::parse("yyyy-MM-dd-HH-mm-ss");
  return pattern;
}
}  // namespace

ObjectNaming ObjectNaming::make(std::string_view prefix, std::string_view error_prefix,
                                bool dynamic_partitioning) {
  ObjectNaming naming;
  naming.prefix_ = PrefixTemplate::parse(prefix, "Prefix");
  naming.error_prefix_ = PrefixTemplate::parse(error_prefix, "ErrorOutputPrefix");
  const auto& p = naming.prefix_;
  const auto& e = naming.error_prefix_;
  if (p.uses(Kind::error_output_type)) {
    throw errors::invalid_argument("The expression !{firehose:error-output-type} is not allowed in Prefix.");
  }
  if (p.has_expressions() && error_prefix.empty()) {
    throw errors::invalid_argument(
        "ErrorOutputPrefix cannot be null or empty when Prefix contains expressions.");
  }
  if (e.has_expressions() && !e.uses(Kind::error_output_type)) {
    throw errors::invalid_argument(
        "ErrorOutputPrefix must contain at least one instance of !{firehose:error-output-type} when it "
        "contains "
        "expressions.");
  }
  if (e.uses(Kind::partition_key_from_query) || e.uses(Kind::partition_key_from_lambda)) {
    throw errors::invalid_argument(
        "ErrorOutputPrefix cannot contain partitionKeyFromQuery or partitionKeyFromLambda expressions.");
  }
  const bool partitioned_prefix =
      p.uses(Kind::partition_key_from_query) || p.uses(Kind::partition_key_from_lambda);
  if (partitioned_prefix && !dynamic_partitioning) {
    throw errors::invalid_argument(
        "Prefix contains partitionKeyFromQuery or partitionKeyFromLambda expressions, but dynamic "
        "partitioning is "
        "not enabled.");
  }
  if (dynamic_partitioning && !partitioned_prefix) {
    throw errors::invalid_argument(
        "When dynamic partitioning is enabled, Prefix must contain at least one partitionKeyFromQuery or "
        "partitionKeyFromLambda expression.");
  }
  if (dynamic_partitioning && error_prefix.empty()) {
    throw errors::invalid_argument(
        "ErrorOutputPrefix cannot be null or empty when dynamic partitioning is enabled.");
  }
  return naming;
}

std::string ObjectNaming::file_name(const Object& object) const {
  std::string name(object.stream_name);
  name += '-';
  name += std::to_string(object.version);
  name += '-';
  name += name_timestamp().format(object.oldest_arrival_ms);
  name += '-';
  name += object.uuid;
  name += object.extension;
  return name;
}

std::string ObjectNaming::data_key(const Object& object) const {
  std::string key;
  if (prefix_.has_expressions()) {
    PrefixTemplate::Values values;
    values.timestamp_ms = object.oldest_arrival_ms;
    values.partition_keys = object.partition_keys;
    key = prefix_.evaluate(values);
  } else {
    key = prefix_.text() + default_folders().format(object.oldest_arrival_ms);
  }
  return key + file_name(object);
}

std::string ObjectNaming::error_key(const Object& object, std::string_view error_output_type) const {
  std::string key;
  if (error_prefix_.has_expressions()) {
    PrefixTemplate::Values values;
    values.timestamp_ms = object.oldest_arrival_ms;
    values.error_output_type = error_output_type;
    key = error_prefix_.evaluate(values);
  } else {
    key = error_prefix_.text() + std::string(error_output_type) + "/" +
          default_folders().format(object.oldest_arrival_ms);
  }
  return key + file_name(object);
}

std::string_view compression_extension(std::string_view format) {
  if (format == "GZIP") return ".gz";
  if (format == "ZIP") return ".zip";
  if (format == "Snappy" || format == "HADOOP_SNAPPY") return ".snappy";
  return "";
}

}  // namespace fanout::services::firehose
