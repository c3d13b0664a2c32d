#include "services/sqs/message_attributes.h"

#include <algorithm>
#include <boost/json/value.hpp>

#include "common/crypto.h"
#include "services/sqs/sqs_error.h"
#include "services/sqs/validation.h"

namespace fanout::services::sqs {

namespace {

constexpr std::size_t kMaxAttributes = 10;

std::string quoted(std::string_view name) { return "'" + std::string(name) + "'"; }

// "String", "Number" or "Binary" when data_type is one of them or one of them + ".label".
std::optional<std::string_view> base_type(std::string_view data_type) {
  if (data_type.size() > 256) return std::nullopt;
  for (std::string_view base : {"String", "Number", "Binary"}) {
    if (!data_type.starts_with(base)) continue;
    auto rest = data_type.substr(base.size());
    if (rest.empty()) return base;
    if (rest.size() >= 2 && rest.front() == '.') return base;
    return std::nullopt;
  }
  return std::nullopt;
}

// A decimal number as AWS accepts it: optional sign, digits with an optional fraction, optional
// exponent; at most 38 significant digits.
bool is_number(std::string_view text) {
  std::size_t i = 0;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) ++i;
  std::size_t digits = 0, significant = 0;
  bool leading = true;
  auto take_digits = [&] {
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      if (text[i] != '0') leading = false;
      if (!leading) ++significant;
      ++digits;
      ++i;
    }
  };
  take_digits();
  if (i < text.size() && text[i] == '.') {
    ++i;
    take_digits();
  }
  if (digits == 0) return false;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < text.size() && (text[i] == '-' || text[i] == '+')) ++i;
    std::size_t exponent_digits = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      ++exponent_digits;
      ++i;
    }
    if (exponent_digits == 0) return false;
  }
  return i == text.size() && significant <= 38;
}

void put_length_prefixed(std::string& out, std::string_view bytes) {
  auto n = static_cast<std::uint32_t>(bytes.size());
  out.push_back(static_cast<char>((n >> 24) & 0xFF));
  out.push_back(static_cast<char>((n >> 16) & 0xFF));
  out.push_back(static_cast<char>((n >> 8) & 0xFF));
  out.push_back(static_cast<char>(n & 0xFF));
  out.append(bytes);
}

std::optional<std::string> string_member(const boost::json::object& value, std::string_view key) {
  auto it = value.find(key);
  if (it == value.end() || it->value().is_null()) return std::nullopt;
  if (!it->value().is_string()) return std::nullopt;
  return std::string(it->value().get_string());
}

MessageAttribute parse_one(std::string_view kind, std::string_view name, const boost::json::value& raw) {
  if (!raw.is_object()) {
    throw errors::invalid_parameter("Message (" + std::string(kind) + ") attribute " + quoted(name) +
                                    " must contain a non-empty message attribute type.");
  }
  const auto& value = raw.get_object();
  MessageAttribute attribute;
  attribute.name = std::string(name);
  attribute.data_type = string_member(value, "DataType").value_or("");
  if (attribute.data_type.empty()) {
    throw errors::invalid_parameter("Message (" + std::string(kind) + ") attribute " + quoted(name) +
                                    " must contain a non-empty message attribute type.");
  }
  auto base = base_type(attribute.data_type);
  if (!base) {
    throw errors::invalid_parameter("The type of message (" + std::string(kind) + ") attribute " +
                                    quoted(name) +
                                    " is invalid. You must use only the following supported type prefixes: "
                                    "Binary, Number, String.");
  }
  auto empty_value = [&] {
    return errors::invalid_parameter("Message (" + std::string(kind) + ") attribute " + quoted(name) +
                                     " must contain a non-empty value of type " + quoted(*base) + ".");
  };
  if (*base == "Binary") {
    auto encoded = string_member(value, "BinaryValue");
    if (!encoded || encoded->empty()) throw empty_value();
    auto decoded = crypto::base64_decode(*encoded);
    if (!decoded) {
      throw errors::invalid_parameter("Message (" + std::string(kind) + ") attribute " + quoted(name) +
                                      " has an invalid base64 BinaryValue.");
    }
    if (decoded->empty()) throw empty_value();
    attribute.value = std::move(*decoded);
  } else {
    auto text = string_member(value, "StringValue");
    if (!text || text->empty()) throw empty_value();
    if (auto bad = validation::first_invalid_character(*text)) {
      char hex[16];
      std::snprintf(hex, sizeof hex, "#x%X", *bad);
      throw SqsError("InvalidMessageContents", "Invalid binary character '" + std::string(hex) +
                                                   "' was found in the value of message (" +
                                                   std::string(kind) + ") attribute " + quoted(name) + ".");
    }
    if (*base == "Number" && !is_number(*text)) {
      throw errors::invalid_parameter("Can't cast the value of message (" + std::string(kind) +
                                      ") attribute " + quoted(name) + " to a number.");
    }
    attribute.value = std::move(*text);
  }
  return attribute;
}

void append_digest_entry(std::string& buffer, const MessageAttribute& attribute) {
  put_length_prefixed(buffer, attribute.name);
  put_length_prefixed(buffer, attribute.data_type);
  buffer.push_back(attribute.is_binary() ? 2 : 1);
  put_length_prefixed(buffer, attribute.value);
}

}  // namespace

MessageAttributes parse_message_attributes(const boost::json::object* map) {
  MessageAttributes attributes;
  if (map == nullptr || map->empty()) return attributes;
  if (map->size() > kMaxAttributes) {
    throw errors::invalid_parameter("Number of message attributes [" + std::to_string(map->size()) +
                                    "] exceeds the allowed maximum [" + std::to_string(kMaxAttributes) +
                                    "].");
  }
  attributes.reserve(map->size());
  for (const auto& entry : *map) {
    std::string_view name(entry.key().data(), entry.key().size());
    if (!validation::is_valid_attribute_name(name)) {
      throw errors::invalid_parameter("Message (user) attribute name " + quoted(name) +
                                      " is invalid. Names can contain only alphanumeric characters, hyphens "
                                      "(-), underscores (_) and periods "
                                      "(.), must not start or end with a period or contain consecutive "
                                      "periods, must not start with AWS. or "
                                      "Amazon., and can be up to 256 characters long.");
    }
    attributes.push_back(parse_one("user", name, entry.value()));
  }
  std::sort(attributes.begin(), attributes.end(),
            [](const MessageAttribute& a, const MessageAttribute& b) { return a.name < b.name; });
  return attributes;
}

std::optional<std::string> parse_system_attributes(const boost::json::object* map) {
  if (map == nullptr || map->empty()) return std::nullopt;
  std::optional<std::string> trace_header;
  for (const auto& entry : *map) {
    std::string_view name(entry.key().data(), entry.key().size());
    if (name != "AWSTraceHeader") {
      throw errors::invalid_parameter(
          "Message system attribute name " + quoted(name) +
          " is invalid. The only supported message system attribute is AWSTraceHeader.");
    }
    auto attribute = parse_one("system", name, entry.value());
    if (attribute.data_type != "String") {
      throw errors::invalid_parameter("The type of message (system) attribute " + quoted(name) +
                                      " is invalid. AWSTraceHeader must be of type 'String'.");
    }
    trace_header = std::move(attribute.value);
  }
  return trace_header;
}

std::size_t attributes_size(const MessageAttributes& attributes) {
  std::size_t total = 0;
  for (const auto& a : attributes) total += a.name.size() + a.data_type.size() + a.value.size();
  return total;
}

std::string md5_of_attributes(const MessageAttributes& attributes) {
  std::string buffer;
  for (const auto& attribute : attributes) append_digest_entry(buffer, attribute);
  return crypto::hex(crypto::md5(buffer));
}

std::string md5_of_system_attributes(std::string_view trace_header) {
  std::string buffer;
  append_digest_entry(buffer, MessageAttribute{"AWSTraceHeader", "String", std::string(trace_header)});
  return crypto::hex(crypto::md5(buffer));
}

bool attribute_selected(std::string_view name, const std::vector<std::string>& requested) {
  for (const auto& pattern : requested) {
    if (pattern == "All" || pattern == ".*") return true;
    if (pattern.size() > 2 && pattern.ends_with(".*")) {
      std::string_view prefix(pattern.data(), pattern.size() - 1);  // keeps the '.'
      if (name.starts_with(prefix)) return true;
    } else if (pattern == name) {
      return true;
    }
  }
  return false;
}

MessageAttributes select_attributes(const MessageAttributes& all, const std::vector<std::string>& requested) {
  MessageAttributes chosen;
  if (requested.empty()) return chosen;
  for (const auto& attribute : all) {
    if (attribute_selected(attribute.name, requested)) chosen.push_back(attribute);
  }
  return chosen;
}

boost::json::object attributes_to_json(const MessageAttributes& attributes) {
  boost::json::object out;
  for (const auto& attribute : attributes) {
    boost::json::object value;
    if (attribute.is_binary()) {
      value["BinaryValue"] = crypto::base64_encode(attribute.value);
    } else {
      value["StringValue"] = attribute.value;
    }
    value["DataType"] = attribute.data_type;
    out[attribute.name] = std::move(value);
  }
  return out;
}

}  // namespace fanout::services::sqs
