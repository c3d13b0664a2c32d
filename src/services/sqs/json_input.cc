#include "services/sqs/json_input.h"

#include <boost/json/value.hpp>

#include "services/sqs/sqs_error.h"

namespace fanout::services::sqs::input {

namespace {
const boost::json::value* member(const boost::json::object& in, std::string_view name) {
  auto it = in.find(name);
  if (it == in.end() || it->value().is_null()) return nullptr;
  return &it->value();
}
}  // namespace

std::optional<std::string> opt_string(const boost::json::object& in, std::string_view name) {
  const auto* v = member(in, name);
  if (v == nullptr) return std::nullopt;
  if (!v->is_string())
    throw errors::invalid_parameter("Invalid type for parameter " + std::string(name) + ".");
  return std::string(v->get_string());
}

std::string req_string(const boost::json::object& in, std::string_view name) {
  auto value = opt_string(in, name);
  if (!value || value->empty()) throw errors::missing_parameter(name);
  return *value;
}

std::optional<std::int64_t> opt_int(const boost::json::object& in, std::string_view name) {
  const auto* v = member(in, name);
  if (v == nullptr) return std::nullopt;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64()) {
    auto u = v->get_uint64();
    return u > static_cast<std::uint64_t>(INT64_MAX) ? INT64_MAX : static_cast<std::int64_t>(u);
  }
  if (v->is_string()) {
    // Lenient: a numeric string (some query-protocol paths keep strings).
    const auto& s = v->get_string();
    std::string_view text(s.data(), s.size());
    if (!text.empty() && text.size() < 19) {
      std::size_t i = text[0] == '-' ? 1 : 0;
      bool digits = i < text.size();
      for (std::size_t k = i; k < text.size(); ++k) digits = digits && text[k] >= '0' && text[k] <= '9';
      if (digits) return std::stoll(std::string(text));
    }
    throw errors::invalid_parameter_value(name, text, "Must be an integer.");
  }
  throw errors::invalid_parameter("Invalid type for parameter " + std::string(name) + ".");
}

std::int64_t req_int(const boost::json::object& in, std::string_view name) {
  auto value = opt_int(in, name);
  if (!value) throw errors::missing_parameter(name);
  return *value;
}

std::vector<std::string> string_list(const boost::json::object& in, std::string_view name) {
  std::vector<std::string> out;
  const auto* v = member(in, name);
  if (v == nullptr) return out;
  if (!v->is_array())
    throw errors::invalid_parameter("Invalid type for parameter " + std::string(name) + ".");
  for (const auto& item : v->get_array()) {
    if (!item.is_string())
      throw errors::invalid_parameter("Invalid type for parameter " + std::string(name) + ".");
    out.emplace_back(item.get_string());
  }
  return out;
}

const boost::json::object* opt_object(const boost::json::object& in, std::string_view name) {
  const auto* v = member(in, name);
  if (v == nullptr) return nullptr;
  if (!v->is_object())
    throw errors::invalid_parameter("Invalid type for parameter " + std::string(name) + ".");
  return &v->get_object();
}

const boost::json::array* opt_array(const boost::json::object& in, std::string_view name) {
  const auto* v = member(in, name);
  if (v == nullptr) return nullptr;
  if (!v->is_array())
    throw errors::invalid_parameter("Invalid type for parameter " + std::string(name) + ".");
  return &v->get_array();
}

}  // namespace fanout::services::sqs::input
