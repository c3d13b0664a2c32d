// A delivery stream's settings as CreateDeliveryStream / UpdateDestination set them: parsed and
// checked against AWS's rules, persisted as JSON, and rendered as DescribeDeliveryStream's
// description.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace fanout::services::firehose {

inline constexpr std::string_view kDestinationId = "destinationId-000000000001";

struct S3Destination {
  bool extended = false;  // configured through ExtendedS3DestinationConfiguration
  std::string role_arn;
  std::string bucket_arn;
  std::string prefix;
  std::string error_prefix;
  int size_mb = 5;
  int interval_seconds = 300;
  std::string compression = "UNCOMPRESSED";
  std::string file_extension;  // FileExtension: replaces the compression's extension when set
  bool append_delimiter = false;
  bool dynamic_partitioning = false;
  int partitioning_retry_seconds = 300;
  std::string metadata_query;  // MetadataExtractionQuery, empty when none
  // The configuration as given (merged with updates): the source of the fields above, and of
  // the settings only stored and reported (EncryptionConfiguration, CloudWatchLoggingOptions).
  boost::json::object raw;

  std::string bucket() const;  // "arn:aws:s3:::name" → "name"
};

struct StreamEncryption {
  std::string key_type;  // AWS_OWNED_CMK | CUSTOMER_MANAGED_CMK
  std::string key_arn;
  bool enabled = false;
};

struct StreamConfig {
  std::string account;
  std::string region;
  std::string name;
  std::string id;  // unique per incarnation: buffered records are keyed by it
  std::int64_t created_ms = 0;
  std::int64_t updated_ms = 0;
  std::uint64_t version = 1;
  S3Destination destination;
  std::map<std::string, std::string> tags;
  StreamEncryption encryption;

  std::string arn() const;
  boost::json::object to_json() const;
  static StreamConfig from_json(const boost::json::object& json);
};

// Parses an (Extended)S3DestinationConfiguration, throwing InvalidArgumentException for what
// AWS refuses (and for what fanoutd cannot do: Lambda processors, format conversion, backups).
S3Destination parse_s3_destination(const boost::json::object& config, bool extended);
// Applies an (Extended)S3DestinationUpdate onto `current`.
S3Destination apply_s3_update(const S3Destination& current, const boost::json::object& update, bool extended);

// The Destinations[0] entry of DescribeDeliveryStream.
boost::json::object describe_destination(const S3Destination& destination);

// arn:aws:firehose:<region>:<account>:deliverystream/<name> → {account, name}; nullopt otherwise.
struct StreamArn {
  std::string region;
  std::string account;
  std::string name;
};
std::optional<StreamArn> parse_stream_arn(std::string_view arn);

}  // namespace fanout::services::firehose
