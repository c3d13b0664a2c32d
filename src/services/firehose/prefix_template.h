// A custom S3 prefix with Firehose's runtime expressions: !{timestamp:<pattern>},
// !{firehose:random-string}, !{firehose:error-output-type}, !{partitionKeyFromQuery:<key>} and
// !{partitionKeyFromLambda:<key>}, parsed once and evaluated per delivered object.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "services/firehose/timestamp_pattern.h"

namespace fanout::services::firehose {

class PrefixTemplate {
 public:
  enum class Kind {
    literal,
    timestamp,
    random_string,
    error_output_type,
    partition_key_from_query,
    partition_key_from_lambda
  };
  struct Part {
    Kind kind = Kind::literal;
    std::string text;  // literal text, or the expression's value (pattern, key name)
    std::optional<TimestampPattern> pattern;
  };
  struct Values {
    std::int64_t timestamp_ms = 0;  // arrival of the oldest record in the object
    std::string_view error_output_type;
    const std::map<std::string, std::string>* partition_keys = nullptr;
    std::function<std::string()> random_string;
  };

  // Throws FirehoseError (InvalidArgumentException) for malformed expressions, naming `field`.
  static PrefixTemplate parse(std::string_view text, std::string_view field);

  bool has_expressions() const;
  bool uses(Kind kind) const;
  std::vector<std::string> keys(Kind kind) const;  // partition key names, in order of use
  const std::string& text() const { return text_; }

  // Missing partition keys evaluate to the empty string (callers check keys beforehand).
  std::string evaluate(const Values& values) const;

 private:
  std::string text_;
  std::vector<Part> parts_;
};

// An 11-character random string of [A-Za-z0-9], as !{firehose:random-string} evaluates.
std::string random_prefix_string();

}  // namespace fanout::services::firehose
