// Firehose's S3 prefix expressions (!{timestamp:...}, !{firehose:...}, !{partitionKeyFrom...:...})
// parsed and evaluated, and dynamic partitioning's JQ metadata query parsed and evaluated over a
// record, with the query's keys feeding the prefix as the delivery path does.
#include <cstdint>
#include <map>
#include <string>

#include "fuzz_input.h"
#include "services/firehose/firehose_error.h"
#include "services/firehose/metadata_query.h"
#include "services/firehose/prefix_template.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace fanout::services::firehose;
  fanout::fuzz::FuzzInput input(data, size);
  const std::uint8_t flags = input.byte();
  auto prefix_text = input.part();
  auto query_text = input.part();
  auto record = input.rest();

  std::map<std::string, std::string> keys;
  std::string error;
  if (auto query = MetadataQuery::parse(query_text, &error)) {
    (void)query->keys();
    if (auto evaluated = query->evaluate(record)) keys = std::move(*evaluated);
  } else if (error.empty()) {
    __builtin_trap();  // a refused query says why
  }

  try {
    auto prefix = PrefixTemplate::parse(prefix_text, "Prefix");
    (void)prefix.has_expressions();
    (void)prefix.keys(PrefixTemplate::Kind::partition_key_from_query);
    PrefixTemplate::Values values;
    // Any millisecond time, including before 1970 and far ahead.
    values.timestamp_ms = static_cast<std::int64_t>(flags) * 977'000'000'003LL - 60'000'000'000'000LL;
    values.error_output_type = (flags & 1) ? "processing-failed" : "";
    values.partition_keys = &keys;
    values.random_string = [] { return std::string("abcdefghijk"); };
    (void)prefix.evaluate(values);
  } catch (const FirehoseError&) {
  }
  return 0;
}
