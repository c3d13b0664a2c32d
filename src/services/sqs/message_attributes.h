// Message attributes: parsing and AWS's validation rules, their size, the MD5 digest SDKs verify,
// and selection by MessageAttributeNames on receive.
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fanout::services::sqs {

struct MessageAttribute {
  std::string name;
  std::string data_type;  // "String", "Number", "Binary" or one of them + ".custom"
  std::string value;      // StringValue as UTF-8, or the raw bytes of BinaryValue
  bool is_binary() const { return data_type.starts_with("Binary"); }
  bool operator==(const MessageAttribute&) const = default;
};

// Always sorted by name (byte order), which is the order the MD5 covers them in.
using MessageAttributes = std::vector<MessageAttribute>;

// Parses and validates MessageAttributes ({"name": {"DataType":..,"StringValue"|"BinaryValue":..}},
// BinaryValue base64). Throws SqsError (InvalidParameterValue, InvalidMessageContents).
MessageAttributes parse_message_attributes(const boost::json::object* map);
// Parses MessageSystemAttributes: only AWSTraceHeader (DataType String) is accepted. Returns its
// value, or nullopt when absent.
std::optional<std::string> parse_system_attributes(const boost::json::object* map);

// Bytes counted against MaximumMessageSize: every name, data type and value.
std::size_t attributes_size(const MessageAttributes& attributes);

// MD5 (lower-case hex) over the attributes in name order: for each, 4-byte big-endian length +
// name, length + data type, one transport byte (1 = String/Number, 2 = Binary), length + value.
std::string md5_of_attributes(const MessageAttributes& attributes);
// The same digest over the system attributes (AWSTraceHeader as a String attribute).
std::string md5_of_system_attributes(std::string_view trace_header);

// Whether `name` is selected by MessageAttributeNames ("All", ".*", "prefix.*" or exact names).
bool attribute_selected(std::string_view name, const std::vector<std::string>& requested);
MessageAttributes select_attributes(const MessageAttributes& all, const std::vector<std::string>& requested);

// The output shape: {"name": {"StringValue"|"BinaryValue": .., "DataType": ..}} (binary as base64).
boost::json::object attributes_to_json(const MessageAttributes& attributes);

}  // namespace fanout::services::sqs
