#include "services/sns/input.h"

#include <boost/json.hpp>

#include "services/sns/sns_error.h"

namespace fanout::services::sns::input {

std::optional<std::string> opt_string(const boost::json::object& input, std::string_view name) {
  const auto* v = input.if_contains(name);
  if (!v || v->is_null()) return std::nullopt;
  if (v->is_string()) return std::string(v->as_string());
  if (v->is_bool()) return v->as_bool() ? "true" : "false";
  if (v->is_int64()) return std::to_string(v->as_int64());
  throw errors::invalid_parameter(std::string(name));
}

std::string require_string(const boost::json::object& input, std::string_view name) {
  auto v = opt_string(input, name);
  if (!v) throw errors::invalid_parameter(std::string(name) + " Reason: no value for required parameter");
  return *v;
}

bool opt_bool(const boost::json::object& input, std::string_view name, bool fallback) {
  const auto* v = input.if_contains(name);
  if (!v || v->is_null()) return fallback;
  if (v->is_bool()) return v->as_bool();
  if (v->is_string()) return v->as_string() == "true";
  return fallback;
}

std::vector<std::pair<std::string, std::string>> string_map(const boost::json::object& input,
                                                            std::string_view name) {
  std::vector<std::pair<std::string, std::string>> out;
  const auto* v = input.if_contains(name);
  if (!v || !v->is_object()) return out;
  for (const auto& [key, value] : v->as_object()) {
    if (value.is_string()) {
      out.emplace_back(std::string(key), std::string(value.as_string()));
    } else if (value.is_null()) {
      out.emplace_back(std::string(key), std::string());
    } else {
      throw errors::invalid_parameter(std::string(name));
    }
  }
  return out;
}

std::vector<std::string> string_list(const boost::json::object& input, std::string_view name) {
  std::vector<std::string> out;
  const auto* v = input.if_contains(name);
  if (!v || !v->is_array()) return out;
  for (const auto& item : v->as_array()) {
    if (!item.is_string()) throw errors::invalid_parameter(std::string(name));
    out.emplace_back(item.as_string());
  }
  return out;
}

Tags tag_list(const boost::json::object& input, std::string_view name) {
  Tags out;
  const auto* v = input.if_contains(name);
  if (!v || !v->is_array()) return out;
  for (const auto& item : v->as_array()) {
    const auto* o = item.if_object();
    const boost::json::value* key = o ? o->if_contains("Key") : nullptr;
    const boost::json::value* value = o ? o->if_contains("Value") : nullptr;
    if (!key || !key->is_string()) throw errors::invalid_parameter("Tags Reason: Tag key is missing");
    out.emplace_back(std::string(key->as_string()),
                     value && value->is_string() ? std::string(value->as_string()) : std::string());
  }
  return out;
}

const boost::json::object* opt_object(const boost::json::object& input, std::string_view name) {
  const auto* v = input.if_contains(name);
  return v && v->is_object() ? &v->as_object() : nullptr;
}

}  // namespace fanout::services::sns::input
