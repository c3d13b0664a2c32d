#include "services/sns/message_attributes.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>

#include "common/crypto.h"
#include "services/sns/sns_error.h"

namespace fanout::services::sns {

namespace {

bool valid_name(std::string_view name) {
  if (name.empty() || name.size() > 256) return false;
  if (name.front() == '.' || name.back() == '.' || name.find("..") != std::string_view::npos) return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.') return false;
  }
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  return !lower.starts_with("aws.") && !lower.starts_with("amazon.");
}

bool valid_type(std::string_view type) {
  for (std::string_view base : {"String", "Number", "Binary"}) {
    if (type == base) return true;
    if (type.starts_with(base) && type.size() > base.size() + 1 && type[base.size()] == '.') {
      auto label = type.substr(base.size() + 1);
      return label.size() <= 256 && std::all_of(label.begin(), label.end(), [](char c) {
               return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
             });
    }
  }
  return false;
}

// A decimal number as SNS accepts it: optional sign, digits with an optional fraction, optional
// exponent.
bool valid_number(std::string_view text) {
  std::size_t i = 0;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) ++i;
  std::size_t digits = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i, ++digits;
  if (i < text.size() && text[i] == '.') {
    ++i;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i, ++digits;
  }
  if (digits == 0) return false;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < text.size() && (text[i] == '-' || text[i] == '+')) ++i;
    std::size_t exp = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i, ++exp;
    if (exp == 0) return false;
  }
  return i == text.size();
}

bool valid_string_array(std::string_view text) {
  boost::system::error_code ec;
  auto value = boost::json::parse(text, ec);
  if (ec || !value.is_array()) return false;
  for (const auto& item : value.as_array()) {
    if (item.is_array() || item.is_object()) return false;
  }
  return true;
}

std::string base_type(std::string_view type) {
  auto dot = type.find('.');
  return std::string(type.substr(0, dot));
}

}  // namespace

MessageAttributes parse_message_attributes(const boost::json::object* map) {
  MessageAttributes out;
  if (!map) return out;
  for (const auto& [key, entry] : *map) {
    std::string name(key);
    if (!valid_name(name)) {
      throw errors::invalid_parameter_value("The message attribute name '" + name +
                                            "' is invalid. Message attribute names can contain alphanumeric "
                                            "characters, hyphens, underscores and periods.");
    }
    const auto* object = entry.if_object();
    const boost::json::value* type_value = object ? object->if_contains("DataType") : nullptr;
    if (!type_value || !type_value->is_string() || type_value->as_string().empty()) {
      throw errors::invalid_parameter_value("The message attribute '" + name +
                                            "' must contain non-empty message attribute type.");
    }
    std::string type(type_value->as_string());
    if (!valid_type(type)) {
      throw errors::invalid_parameter_value(
          "The message attribute '" + name +
          "' has an invalid message attribute type, the set of supported type "
          "prefixes is Binary, Number, and String.");
    }
    MessageAttribute attribute{name, type, {}};
    const auto* string_value = object->if_contains("StringValue");
    const auto* binary_value = object->if_contains("BinaryValue");
    auto empty_value = [&] {
      return errors::invalid_parameter_value("The message attribute '" + name +
                                             "' must contain non-empty message attribute value for message "
                                             "attribute type '" +
                                             base_type(type) + "'.");
    };
    if (attribute.is_binary()) {
      if (!binary_value || !binary_value->is_string()) throw empty_value();
      auto decoded = crypto::base64_decode(binary_value->as_string());
      if (!decoded) {
        throw errors::invalid_parameter_value("The message attribute '" + name +
                                              "' has an invalid binary value.");
      }
      if (decoded->empty()) throw empty_value();
      attribute.value = std::move(*decoded);
    } else {
      if (!string_value || !string_value->is_string() || string_value->as_string().empty())
        throw empty_value();
      attribute.value = std::string(string_value->as_string());
      if (attribute.is_number() && !valid_number(attribute.value)) {
        throw errors::invalid_parameter_value("Could not cast message attribute '" + name +
                                              "' value to number.");
      }
      if (attribute.is_string_array() && !valid_string_array(attribute.value)) {
        throw errors::invalid_parameter_value("The message attribute '" + name +
                                              "' with type 'String.Array' must contain a valid JSON array of "
                                              "strings, numbers, true, false or null.");
      }
    }
    out.push_back(std::move(attribute));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return out;
}

std::size_t attributes_size(const MessageAttributes& attributes) {
  std::size_t total = 0;
  for (const auto& a : attributes) total += a.name.size() + a.data_type.size() + a.value.size();
  return total;
}

std::string envelope_value(const MessageAttribute& attribute) {
  return attribute.is_binary() ? crypto::base64_encode(attribute.value) : attribute.value;
}

boost::json::array attributes_to_record(const MessageAttributes& attributes) {
  boost::json::array out;
  for (const auto& a : attributes) {
    out.push_back(boost::json::object{
        {"n", a.name}, {"t", a.data_type}, {"v", a.is_binary() ? crypto::base64_encode(a.value) : a.value}});
  }
  return out;
}

MessageAttributes attributes_from_record(const boost::json::value* record) {
  MessageAttributes out;
  if (!record || !record->is_array()) return out;
  for (const auto& item : record->as_array()) {
    const auto& o = item.as_object();
    MessageAttribute a{std::string(o.at("n").as_string()), std::string(o.at("t").as_string()), {}};
    std::string value(o.at("v").as_string());
    if (a.is_binary()) {
      a.value = crypto::base64_decode(value).value_or(std::string());
    } else {
      a.value = std::move(value);
    }
    out.push_back(std::move(a));
  }
  return out;
}

}  // namespace fanout::services::sns
