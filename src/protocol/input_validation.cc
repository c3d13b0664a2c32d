#include "protocol/input_validation.h"

#include <boost/json/value.hpp>
#include <string>

#include "common/crypto.h"

namespace fanout::protocol {
namespace json = boost::json;

ValidationCodes validation_codes_for(std::string_view service) {
  if (service == "sqs") return {"MissingParameter", "InvalidParameterValue"};
  if (service == "sns") return {"InvalidParameter", "InvalidParameter"};
  if (service == "cloudformation") return {"ValidationError", "ValidationError"};
  return {"ValidationException", "ValidationException"};
}

namespace {

class Validator {
 public:
  Validator(const ServiceModel& model) : model_(model), codes_(validation_codes_for(model.service_id())) {}

  std::optional<ServiceError> structure(const json::object& shape, const json::object& value,
                                        const std::string& path) {
    if (const auto* required = shape.if_contains("required"); required && required->is_array()) {
      for (const auto& name : required->as_array()) {
        if (!value.contains(name.as_string())) return missing(path, std::string(name.as_string()));
      }
    }
    const auto* members = shape.if_contains("members");
    if (!members) return std::nullopt;
    for (const auto& [name, member] : members->as_object()) {
      const auto* v = value.if_contains(name);
      if (!v || v->is_null()) continue;
      if (auto err = check(model_.resolve(member.as_object()), *v, join(path, name))) return err;
    }
    return std::nullopt;
  }

 private:
  static std::string join(const std::string& path, std::string_view name) {
    return path.empty() ? std::string(name) : path + "." + std::string(name);
  }

  std::optional<ServiceError> missing(const std::string& path, const std::string& name) {
    auto full = join(path, name);
    std::string message;
    if (codes_.missing == "MissingParameter") {
      message = "The request must contain the parameter " + full + ".";
    } else if (codes_.missing == "InvalidParameter") {
      message = "Invalid parameter: " + full;
    } else {
      message = "1 validation error detected: Value null at '" + full +
                "' failed to satisfy constraint: Member must not be null";
    }
    return ServiceError::make(codes_.missing, message);
  }

  std::optional<ServiceError> invalid(const std::string& path, const std::string& why) {
    std::string message;
    if (codes_.invalid == "InvalidParameterValue" || codes_.invalid == "InvalidParameter") {
      message = "Value for parameter " + path + " is invalid. Reason: " + why + ".";
    } else {
      message = "1 validation error detected: Value at '" + path + "' failed to satisfy constraint: " + why;
    }
    return ServiceError::make(codes_.invalid, message);
  }

  static std::optional<std::int64_t> int_of(const json::object& shape, std::string_view key) {
    const auto* v = shape.if_contains(key);
    if (!v) return std::nullopt;
    if (v->is_int64()) return v->as_int64();
    if (v->is_uint64()) return static_cast<std::int64_t>(v->as_uint64());
    if (v->is_double()) return static_cast<std::int64_t>(v->as_double());
    return std::nullopt;
  }

  std::optional<ServiceError> length(const json::object& shape, std::size_t n, const std::string& path) {
    if (auto min = int_of(shape, "min"); min && static_cast<std::int64_t>(n) < *min) {
      return invalid(path, "Member must have length greater than or equal to " + std::to_string(*min));
    }
    if (auto max = int_of(shape, "max"); max && static_cast<std::int64_t>(n) > *max) {
      return invalid(path, "Member must have length less than or equal to " + std::to_string(*max));
    }
    return std::nullopt;
  }

  std::optional<ServiceError> check(const json::object& shape, const json::value& value,
                                    const std::string& path) {
    if (++depth_ > 32) return invalid(path, "Member is nested too deeply");
    struct Leave {
      int& d;
      ~Leave() { --d; }
    } leave{depth_};

    std::string_view type = "string";
    if (const auto* t = shape.if_contains("type"); t && t->is_string()) type = t->as_string();

    if (type == "structure") {
      if (!value.is_object()) return invalid(path, "Member must be a structure");
      return structure(shape, value.as_object(), path);
    }
    if (type == "list") {
      if (!value.is_array()) return invalid(path, "Member must be a list");
      const auto& arr = value.as_array();
      if (auto err = length(shape, arr.size(), path)) return err;
      const auto& member = model_.resolve(shape.at("member").as_object());
      for (std::size_t i = 0; i < arr.size(); ++i) {
        if (auto err = check(member, arr[i], path + "." + std::to_string(i + 1))) return err;
      }
      return std::nullopt;
    }
    if (type == "map") {
      if (!value.is_object()) return invalid(path, "Member must be a map");
      const auto& obj = value.as_object();
      if (auto err = length(shape, obj.size(), path)) return err;
      const auto& key_shape = model_.resolve(shape.at("key").as_object());
      const auto& value_shape = model_.resolve(shape.at("value").as_object());
      for (const auto& [k, v] : obj) {
        if (auto err = check(key_shape, json::value(json::string(k)), path + "." + std::string(k)))
          return err;
        if (auto err = check(value_shape, v, path + "." + std::string(k))) return err;
      }
      return std::nullopt;
    }
    if (type == "string") {
      if (!value.is_string()) return invalid(path, "Member must be a string");
      const auto& s = value.as_string();
      if (auto err = length(shape, s.size(), path)) return err;
      // Enums are not checked here: the models Debian ships predate values AWS accepts today
      // (e.g. ReceiveMessage's system attribute names), and AWS ignores unknown names there.
      return std::nullopt;
    }
    if (type == "integer" || type == "long") {
      if (!value.is_int64() && !value.is_uint64()) return invalid(path, "Member must be an integer");
      std::int64_t n = value.is_int64() ? value.as_int64() : static_cast<std::int64_t>(value.as_uint64());
      if (type == "integer" && (n < INT32_MIN || n > INT32_MAX))
        return invalid(path, "Member must be an integer");
      if (auto min = int_of(shape, "min"); min && n < *min) {
        return invalid(path, "Member must have value greater than or equal to " + std::to_string(*min));
      }
      if (auto max = int_of(shape, "max"); max && n > *max) {
        return invalid(path, "Member must have value less than or equal to " + std::to_string(*max));
      }
      return std::nullopt;
    }
    if (type == "boolean") {
      if (!value.is_bool()) return invalid(path, "Member must be a boolean");
      return std::nullopt;
    }
    if (type == "double" || type == "float") {
      if (!value.is_number()) return invalid(path, "Member must be a number");
      return std::nullopt;
    }
    if (type == "timestamp") {
      if (!value.is_number() && !value.is_string()) return invalid(path, "Member must be a timestamp");
      return std::nullopt;
    }
    if (type == "blob") {
      if (!value.is_string() || !crypto::base64_decode(value.as_string())) {
        return invalid(path, "Member must be base64-encoded binary");
      }
      if (auto err = length(shape, crypto::base64_decode(value.as_string())->size(), path)) return err;
      return std::nullopt;
    }
    return std::nullopt;
  }

  const ServiceModel& model_;
  ValidationCodes codes_;
  int depth_ = 0;
};

}  // namespace

std::optional<ServiceError> validate_input(const ServiceModel& model, const json::object& shape,
                                           const json::object& input) {
  Validator validator(model);
  return validator.structure(shape, input, "");
}

}  // namespace fanout::protocol
