#include "services/sns/publish_message.h"

#include <algorithm>
#include <boost/json.hpp>

#include "common/crypto.h"
#include "services/sns/input.h"
#include "services/sns/sns_error.h"

namespace fanout::services::sns {

namespace json = boost::json;

namespace {

bool valid_subject(std::string_view subject) {
  if (subject.empty() || subject.size() >= 100) return false;
  if (subject.front() == ' ') return false;
  return std::all_of(subject.begin(), subject.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
}

bool valid_fifo_id(std::string_view id) {
  return !id.empty() && id.size() <= 128 &&
         std::all_of(id.begin(), id.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

}  // namespace

PublishParameters PublishParameters::from_input(const json::object& in) {
  PublishParameters p;
  p.message = input::opt_string(in, "Message");
  p.subject = input::opt_string(in, "Subject");
  p.message_structure = input::opt_string(in, "MessageStructure");
  p.message_attributes = input::opt_object(in, "MessageAttributes");
  p.group_id = input::opt_string(in, "MessageGroupId");
  p.deduplication_id = input::opt_string(in, "MessageDeduplicationId");
  return p;
}

const std::string& PreparedMessage::message_for(std::string_view protocol) const {
  if (structured) {
    auto it = by_protocol.find(protocol);
    if (it != by_protocol.end()) return it->second;
    return by_protocol.find("default")->second;
  }
  return message;
}

PreparedMessage prepare_message(const PublishParameters& p, const Topic& topic) {
  PreparedMessage out;
  if (!p.message || p.message->empty()) throw errors::invalid_parameter("Empty message");
  out.message = *p.message;
  if (p.subject) {
    if (!valid_subject(*p.subject)) throw errors::invalid_parameter("Subject");
    out.subject = *p.subject;
  }
  if (p.message_structure) {
    if (*p.message_structure != "json") throw errors::invalid_parameter("MessageStructure");
    boost::system::error_code ec;
    auto doc = json::parse(out.message, ec);
    if (ec || !doc.is_object()) {
      throw errors::invalid_parameter("Message Structure - JSON message body failed to parse");
    }
    for (const auto& [key, value] : doc.as_object()) {
      if (!value.is_string())
        throw errors::invalid_parameter("Message Structure - JSON message body failed to parse");
      out.by_protocol[std::string(key)] = std::string(value.as_string());
    }
    if (!out.by_protocol.contains("default")) {
      throw errors::invalid_parameter("Message Structure - No default entry in JSON message body");
    }
    out.structured = true;
  }
  out.attributes = parse_message_attributes(p.message_attributes);
  out.size = out.message.size() + attributes_size(out.attributes);
  if (out.size > topic.maximum_message_size()) throw errors::invalid_parameter("Message too long");

  if (topic.fifo) {
    if (!p.group_id || p.group_id->empty()) {
      throw errors::invalid_parameter("The MessageGroupId parameter is required for FIFO topics");
    }
    if (!valid_fifo_id(*p.group_id)) {
      throw errors::invalid_parameter(
          "MessageGroupId Reason: MessageGroupId can only include alphanumeric and "
          "punctuation characters. 1 to 128 in length.");
    }
    out.group_id = *p.group_id;
    if (p.deduplication_id) {
      if (!valid_fifo_id(*p.deduplication_id)) {
        throw errors::invalid_parameter(
            "MessageDeduplicationId Reason: MessageDeduplicationId can only include "
            "alphanumeric and punctuation characters. 1 to 128 in length.");
      }
      out.deduplication_id = *p.deduplication_id;
    } else if (topic.content_based_deduplication()) {
      out.deduplication_id = crypto::hex(crypto::sha256(out.message));
    } else {
      throw errors::invalid_parameter(
          "The topic should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided "
          "explicitly");
    }
  } else if (p.deduplication_id) {
    throw errors::invalid_parameter(
        "MessageDeduplicationId Reason: The request includes MessageDeduplicationId parameter that is not "
        "valid for "
        "this topic type");
  }
  return out;
}

}  // namespace fanout::services::sns
