// A topic's configuration: identity, the attributes set on it (validated as AWS does), tags and
// data-protection policy, with its persisted form. Immutable once registered: a change makes a
// new Topic.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fanout::services::sns {

inline constexpr std::size_t kDefaultMaximumMessageSize = 262144;   // 256 KiB
inline constexpr std::size_t kLargestMaximumMessageSize = 1048576;  // 1 MiB

using Tags = std::vector<std::pair<std::string, std::string>>;  // in the order they were added

struct Topic {
  std::string arn;
  std::string name;
  std::string account;
  std::string region;
  bool fifo = false;
  std::map<std::string, std::string, std::less<>> attributes;  // settable attributes as set (Policy always)
  Tags tags;
  std::string data_protection_policy;
  std::uint64_t subscriptions_deleted = 0;
  std::int64_t created_ms = 0;

  std::string attribute(std::string_view name) const;  // "" when unset
  bool content_based_deduplication() const { return attribute("ContentBasedDeduplication") == "true"; }
  std::string signature_version() const;  // "1" unless set to "2"
  std::size_t maximum_message_size() const;
  // FifoThroughputScope=MessageGroup: deduplication per message group instead of per topic.
  bool deduplicate_per_group() const { return attribute("FifoThroughputScope") == "MessageGroup"; }

  boost::json::object to_record() const;
  static Topic from_record(const boost::json::object& record);
};

// Checks one attribute of CreateTopic (`creating`) or SetTopicAttributes and returns the value to
// store. Throws SnsError InvalidParameter for unknown or read-only names and invalid values.
std::string validate_topic_attribute(std::string_view name, std::string_view value, bool fifo, bool creating);

// Checks a tag list (keys 1–128, values 0–256 characters, at most 50 on a resource).
void validate_tags(const Tags& tags);
// `existing` with `added` merged in (same key: new value).
Tags merge_tags(const Tags& existing, const Tags& added);

}  // namespace fanout::services::sns
