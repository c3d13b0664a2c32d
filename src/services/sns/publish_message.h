// One message to publish (a Publish call or a PublishBatch entry), validated against its topic as
// AWS does: message and subject, MessageStructure=json with per-protocol messages, message
// attributes, the size limit, and the FIFO parameters.
#pragma once

#include <boost/json/object.hpp>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "services/sns/message_attributes.h"
#include "services/sns/topic.h"

namespace fanout::services::sns {

struct PublishParameters {
  std::optional<std::string> message;
  std::optional<std::string> subject;
  std::optional<std::string> message_structure;
  const boost::json::object* message_attributes = nullptr;
  std::optional<std::string> group_id;
  std::optional<std::string> deduplication_id;

  // Reads Message, Subject, MessageStructure, MessageAttributes, MessageGroupId and
  // MessageDeduplicationId from a Publish input or a PublishBatch entry.
  static PublishParameters from_input(const boost::json::object& input);
};

struct PreparedMessage {
  std::string message;
  std::optional<std::string> subject;
  bool structured = false;                                      // MessageStructure=json
  std::map<std::string, std::string, std::less<>> by_protocol;  // structured: key → message
  MessageAttributes attributes;
  std::string group_id;          // FIFO topics
  std::string deduplication_id;  // FIFO topics: given, or SHA-256 of the message (content-based)
  std::size_t size = 0;          // message + attributes, as counted against the limit

  // The message a subscription of `protocol` receives (structured: its key, else "default").
  const std::string& message_for(std::string_view protocol) const;
};

// Throws SnsError (InvalidParameter, ParameterValueInvalid) as AWS answers.
PreparedMessage prepare_message(const PublishParameters& parameters, const Topic& topic);

}  // namespace fanout::services::sns
