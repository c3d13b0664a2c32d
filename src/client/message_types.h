// Types SNS and SQS share: message attributes and a batch entry's failure.
#pragma once

#include <map>
#include <string>

namespace fanout::client {

struct MessageAttribute {
  std::string data_type = "String";  // String, Number, Binary (optionally ".custom")
  std::string string_value;          // String and Number
  std::string binary_value;          // Binary: raw bytes (base64-encoded on the wire)
};
// Ordered by name: the order SQS's attribute checksum is computed in.
using MessageAttributes = std::map<std::string, MessageAttribute>;

struct BatchEntryError {
  std::string id;
  std::string code;
  std::string message;
  bool sender_fault = false;
};

}  // namespace fanout::client
