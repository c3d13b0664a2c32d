// How Firehose names the S3 objects it writes: AWS's prefix rules (checked when a stream is
// created or updated) and the evaluated key
//   <evaluated prefix><stream>-<version>-<yyyy-MM-dd-HH-mm-ss>-<uuid><extension>
// where a prefix without expressions gets the default yyyy/MM/dd/HH/ appended (the whole prefix
// when none is given) and error output goes under ErrorOutputPrefix, by default
// <error-output-type>/yyyy/MM/dd/HH/.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "services/firehose/prefix_template.h"

namespace fanout::services::firehose {

class ObjectNaming {
 public:
  struct Object {
    std::string_view stream_name;
    std::uint64_t version = 1;
    std::int64_t oldest_arrival_ms = 0;  // timestamps in prefix and name (UTC)
    const std::map<std::string, std::string>* partition_keys = nullptr;
    std::string_view uuid;
    std::string_view extension;  // ".gz" etc.
  };

  // Throws FirehoseError (InvalidArgumentException) when the prefixes break AWS's rules.
  static ObjectNaming make(std::string_view prefix, std::string_view error_prefix, bool dynamic_partitioning);

  std::string data_key(const Object& object) const;
  // error_output_type: "partitioning-failed", "processing-failed", ...
  std::string error_key(const Object& object, std::string_view error_output_type) const;
  const PrefixTemplate& prefix() const { return prefix_; }

 private:
  std::string file_name(const Object& object) const;
  PrefixTemplate prefix_;
  PrefixTemplate error_prefix_;
};

// The object-name extension Firehose adds for a CompressionFormat ("" for UNCOMPRESSED).
std::string_view compression_extension(std::string_view compression_format);

}  // namespace fanout::services::firehose
