// Publish's MessageAttributes: parsing with SNS's validation rules (types String, Number,
// Binary and String.Array, optionally with a custom ".label"), their size, their forms in the
// notification envelope, and persistence.
#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <vector>

namespace fanout::services::sns {

struct MessageAttribute {
  std::string name;
  std::string data_type;  // as given, e.g. "String", "Number.float", "String.Array", "Binary"
  std::string value;      // StringValue, or the raw bytes of BinaryValue
  bool is_binary() const { return data_type.starts_with("Binary"); }
  bool is_number() const { return data_type.starts_with("Number"); }
  bool is_string_array() const { return data_type == "String.Array"; }
  bool operator==(const MessageAttribute&) const = default;
};

// Sorted by name.
using MessageAttributes = std::vector<MessageAttribute>;

// {"name": {"DataType": .., "StringValue"|"BinaryValue"(base64): ..}} → attributes. Throws
// SnsError (ParameterValueInvalid) as AWS answers for bad names, types and values.
MessageAttributes parse_message_attributes(const boost::json::object* map);

// Bytes counted against the message size limit: every name, data type and value.
std::size_t attributes_size(const MessageAttributes& attributes);

// The envelope's "Value": the string, or base64 of binary data.
std::string envelope_value(const MessageAttribute& attribute);

// Persistence: [{"n":..,"t":..,"v":..(base64 for binary)}].
boost::json::array attributes_to_record(const MessageAttributes& attributes);
MessageAttributes attributes_from_record(const boost::json::value* record);

}  // namespace fanout::services::sns
