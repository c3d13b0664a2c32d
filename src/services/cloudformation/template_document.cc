#include "services/cloudformation/template_document.h"

#include <yaml-cpp/yaml.h>

#include <boost/json/parse.hpp>
#include <cerrno>
#include <cstdlib>
#include <string_view>

namespace fanout::services::cloudformation {
namespace json = boost::json;

namespace {

// Tags that map to "Fn::<Name>"; !Ref and !Condition keep their bare names.
bool is_function_tag(std::string_view name) {
  static constexpr std::string_view kFunctions[] = {
      "Sub", "GetAtt",    "Join",   "Select",      "Split",  "If",   "Equals", "Not",         "And",
      "Or",  "FindInMap", "GetAZs", "ImportValue", "Base64", "Cidr", "Length", "ToJsonString"};
  for (auto f : kFunctions) {
    if (f == name) return true;
  }
  return false;
}

struct YamlError {
  std::string message;
};

// Scanners for the core schema's number forms. Not std::regex: libstdc++ recurses once per
// character matched, and a template's 50,000-digit scalar overflowed the stack.
std::size_t skip_sign(std::string_view text) {
  return !text.empty() && (text[0] == '-' || text[0] == '+') ? 1 : 0;
}

std::size_t count_digits(std::string_view text, std::size_t& i) {
  const std::size_t from = i;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
  return i - from;
}

// [-+]?[0-9]+
bool is_int(std::string_view text) {
  std::size_t i = skip_sign(text);
  return count_digits(text, i) > 0 && i == text.size();
}

// [-+]?([0-9]+\.[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?
bool is_float(std::string_view text) {
  std::size_t i = skip_sign(text);
  const std::size_t whole = count_digits(text, i);
  if (i == text.size() || text[i] != '.') return false;
  ++i;
  const std::size_t fraction = count_digits(text, i);
  if (whole == 0 && fraction == 0) return false;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    i += skip_sign(text.substr(i));
    if (count_digits(text, i) == 0) return false;
  }
  return i == text.size();
}

// YAML 1.1 core-schema typing of plain scalars, as CloudFormation reads them.
json::value plain_scalar(const std::string& text) {
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  if (text == "null" || text == "Null" || text == "NULL" || text == "~" || text.empty()) return nullptr;
  if (is_int(text) && text.size() < 19) return std::strtoll(text.c_str(), nullptr, 10);
  if (is_float(text)) return std::strtod(text.c_str(), nullptr);
  return json::string(text);
}

json::value convert(const YAML::Node& node) {
  json::value value;
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      value = nullptr;
      break;
    case YAML::NodeType::Scalar:
      // "!" is the tag of quoted scalars: always strings.
      value = node.Tag() == "!" ? json::value(json::string(node.Scalar())) : plain_scalar(node.Scalar());
      break;
    case YAML::NodeType::Sequence: {
      json::array items;
      for (const auto& item : node) items.push_back(convert(item));
      value = std::move(items);
      break;
    }
    case YAML::NodeType::Map: {
      json::object members;
      for (const auto& entry : node) {
        if (!entry.first.IsScalar()) throw YamlError{"map keys must be scalars"};
        members[entry.first.Scalar()] = convert(entry.second);
      }
      value = std::move(members);
      break;
    }
  }
  const std::string& tag = node.Tag();
  if (tag.size() > 1 && tag[0] == '!') {
    std::string name = tag.substr(1);
    if (name == "Ref" || name == "Condition") {
      if (name == "Ref" && value.is_null()) value = json::string();
      return json::object{{name, std::move(value)}};
    }
    if (!is_function_tag(name)) throw YamlError{"unknown tag " + tag};
    if (name == "GetAtt" && value.is_string()) {
      // !GetAtt Resource.Attribute (the attribute may itself contain dots).
      std::string text(value.as_string());
      auto dot = text.find('.');
      if (dot == std::string::npos) throw YamlError{"!GetAtt needs Resource.Attribute"};
      value = json::array{json::string(text.substr(0, dot)), json::string(text.substr(dot + 1))};
    }
    if (name == "GetAZs" && value.is_null()) value = json::string();
    return json::object{{"Fn::" + name, std::move(value)}};
  }
  return value;
}

}  // namespace

ParsedTemplate parse_template_text(std::string_view text) {
  std::size_t first = text.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && text[first] == '{') {
    boost::system::error_code ec;
    auto value = json::parse(text, ec);
    if (ec || !value.is_object()) return std::string("Template format error: JSON not well-formed.");
    return std::move(value.as_object());
  }
  try {
    YAML::Node root = YAML::Load(std::string(text));
    auto value = convert(root);
    if (!value.is_object()) return std::string("Template format error: YAML not well-formed.");
    return std::move(value.as_object());
  } catch (const YAML::Exception& e) {
    return "Template format error: YAML not well-formed. (line " + std::to_string(e.mark.line + 1) +
           ", column " + std::to_string(e.mark.column + 1) + ")";
  } catch (const YamlError& e) {
    return "Template format error: YAML not well-formed. (" + e.message + ")";
  }
}

}  // namespace fanout::services::cloudformation
