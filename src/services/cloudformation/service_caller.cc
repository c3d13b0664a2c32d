#include "services/cloudformation/service_caller.h"

#include <boost/json/serialize.hpp>
#include <future>

#include "protocol/input_validation.h"
#include "protocol/service_model.h"
#include "services/cloudformation/intrinsics.h"

namespace fanout::services::cloudformation {
namespace json = boost::json;

json::value coerce_to_shape(const std::string& service, const json::object& shape, const json::value& value) {
  const auto& model = protocol::ServiceModel::embedded(service);
  std::string type = shape.contains("type") ? std::string(shape.at("type").as_string()) : "string";
  if (type == "structure" && value.is_object()) {
    json::object out;
    const auto* members = shape.if_contains("members");
    for (const auto& [key, v] : value.as_object()) {
      const auto* member = members ? members->as_object().if_contains(key) : nullptr;
      out[key] = member ? coerce_to_shape(service, model.resolve(member->as_object()), v) : v;
    }
    return out;
  }
  if (type == "list" && value.is_array()) {
    const auto& item_shape = model.resolve(shape.at("member").as_object());
    json::array out;
    for (const auto& item : value.as_array()) out.push_back(coerce_to_shape(service, item_shape, item));
    return out;
  }
  if (type == "map" && value.is_object()) {
    const auto& value_shape = model.resolve(shape.at("value").as_object());
    json::object out;
    for (const auto& [key, v] : value.as_object()) out[key] = coerce_to_shape(service, value_shape, v);
    return out;
  }
  if (type == "string" && !value.is_string() && !value.is_null()) {
    return json::string(value.is_object() || value.is_array() ? json::serialize(value) : scalar_text(value));
  }
  if ((type == "integer" || type == "long") && value.is_string()) {
    std::string text(value.as_string());
    char* end = nullptr;
    long long n = std::strtoll(text.c_str(), &end, 10);
    if (!text.empty() && *end == '\0') return n;
  }
  if (type == "boolean" && value.is_string()) {
    if (value.as_string() == "true") return true;
    if (value.as_string() == "false") return false;
  }
  return value;
}

protocol::OperationResult ServiceCaller::call(const std::string& service, const std::string& operation,
                                              json::object input) const {
  auto* engine = engines_ ? engines_(service) : nullptr;
  if (!engine) {
    return protocol::ServiceError::make("NotImplemented", "fanoutd does not run the " + service + " service",
                                        501);
  }
  const auto& model = protocol::ServiceModel::embedded(service);
  const auto* op = model.operation(operation);
  if (!op) return protocol::ServiceError::make("InvalidAction", "The action " + operation + " is not valid");
  if (op->input) {
    auto coerced = coerce_to_shape(service, *op->input, input);
    input = coerced.as_object();
    if (auto error = protocol::validate_input(model, *op->input, input)) return *error;
  }
  std::promise<protocol::OperationResult> result;
  auto future = result.get_future();
  engine->invoke(context_, operation, std::move(input),
                 [&result](protocol::OperationResult r) { result.set_value(std::move(r)); });
  return future.get();
}

}  // namespace fanout::services::cloudformation
