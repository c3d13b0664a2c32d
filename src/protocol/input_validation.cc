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

// Where the value being checked sits ("Entries.1.Id"), as a chain of the callers' frames:
// rendered only for an error message, so a valid request builds no path strings.
struct Path {
  const Path* parent = nullptr;
  std::string_view name;  // a member name or a map key; empty for a list position or the top
  std::size_t index = 0;  // a list position, 1-based

  std::string render() const {
    std::string out = parent ? parent->render() : std::string();
    if (name.empty() && index == 0) return out;
    if (!out.empty()) out.push_back('.');
    if (name.empty()) {
      out += std::to_string(index);
    } else {
      out.append(name);
    }
    return out;
  }
};

class Validator {
 public:
  explicit Validator(const ServiceModel& model) : codes_(validation_codes_for(model.service_id())) {}

  std::optional<ServiceError> structure(const ShapePlan& shape, const json::object& value, const Path& path) {
    for (std::string_view name : shape.required) {
      if (!value.contains(name)) return missing(Path{&path, name});
    }
    for (const MemberPlan& member : shape.members) {
      const auto* v = value.if_contains(member.name);
      if (!v || v->is_null()) continue;
      if (auto err = check(*member.shape, *v, Path{&path, member.name})) return err;
    }
    return std::nullopt;
  }

 private:
  std::optional<ServiceError> missing(const Path& path) {
    auto full = path.render();
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

  std::optional<ServiceError> invalid(const Path& path, const std::string& why) {
    std::string message;
    if (codes_.invalid == "InvalidParameterValue" || codes_.invalid == "InvalidParameter") {
      message = "Value for parameter " + path.render() + " is invalid. Reason: " + why + ".";
    } else {
      message = "1 validation error detected: Value at '" + path.render() +
                "' failed to satisfy constraint: " + why;
    }
    return ServiceError::make(codes_.invalid, message);
  }

  std::optional<ServiceError> length(const ShapePlan& shape, std::size_t n, const Path& path) {
    if (shape.min && static_cast<std::int64_t>(n) < *shape.min) {
      return invalid(path, "Member must have length greater than or equal to " + std::to_string(*shape.min));
    }
    if (shape.max && static_cast<std::int64_t>(n) > *shape.max) {
      return invalid(path, "Member must have length less than or equal to " + std::to_string(*shape.max));
    }
    return std::nullopt;
  }

  std::optional<ServiceError> check(const ShapePlan& shape, const json::value& value, const Path& path) {
    if (++depth_ > 32) return invalid(path, "Member is nested too deeply");
    struct Leave {
      int& d;
      ~Leave() { --d; }
    } leave{depth_};

    switch (shape.type) {
      case ShapeType::structure:
        if (!value.is_object()) return invalid(path, "Member must be a structure");
        return structure(shape, value.as_object(), path);
      case ShapeType::list: {
        if (!value.is_array()) return invalid(path, "Member must be a list");
        const auto& arr = value.as_array();
        if (auto err = length(shape, arr.size(), path)) return err;
        for (std::size_t i = 0; i < arr.size(); ++i) {
          if (auto err = check(*shape.item.shape, arr[i], Path{&path, {}, i + 1})) return err;
        }
        return std::nullopt;
      }
      case ShapeType::map: {
        if (!value.is_object()) return invalid(path, "Member must be a map");
        const auto& obj = value.as_object();
        if (auto err = length(shape, obj.size(), path)) return err;
        const ShapePlan& key_shape = *shape.key.shape;
        for (const auto& [k, v] : obj) {
          const Path entry{&path, k};
          // A key is a string; only a model with some other key type needs it as a JSON value.
          if (auto err = key_shape.type == ShapeType::string
                             ? length(key_shape, k.size(), entry)
                             : check(key_shape, json::value(json::string(k)), entry))
            return err;
          if (auto err = check(*shape.value.shape, v, entry)) return err;
        }
        return std::nullopt;
      }
      case ShapeType::string:
        if (!value.is_string()) return invalid(path, "Member must be a string");
        // Enums are not checked here: the models Debian ships predate values AWS accepts today
        // (e.g. ReceiveMessage's system attribute names), and AWS ignores unknown names there.
        return length(shape, value.as_string().size(), path);
      case ShapeType::integer:
      case ShapeType::long_integer: {
        if (!value.is_int64() && !value.is_uint64()) return invalid(path, "Member must be an integer");
        std::int64_t n = value.is_int64() ? value.as_int64() : static_cast<std::int64_t>(value.as_uint64());
        if (shape.type == ShapeType::integer && (n < INT32_MIN || n > INT32_MAX))
          return invalid(path, "Member must be an integer");
        if (shape.min && n < *shape.min) {
          return invalid(path,
                         "Member must have value greater than or equal to " + std::to_string(*shape.min));
        }
        if (shape.max && n > *shape.max) {
          return invalid(path, "Member must have value less than or equal to " + std::to_string(*shape.max));
        }
        return std::nullopt;
      }
      case ShapeType::boolean:
        if (!value.is_bool()) return invalid(path, "Member must be a boolean");
        return std::nullopt;
      case ShapeType::floating:
        if (!value.is_number()) return invalid(path, "Member must be a number");
        return std::nullopt;
      case ShapeType::timestamp:
        if (!value.is_number() && !value.is_string()) return invalid(path, "Member must be a timestamp");
        return std::nullopt;
      case ShapeType::blob: {
        const auto decoded = value.is_string() ? crypto::base64_decode(value.as_string()) : std::nullopt;
        if (!decoded) return invalid(path, "Member must be base64-encoded binary");
        return length(shape, decoded->size(), path);
      }
      case ShapeType::other:
        return std::nullopt;
    }
    return std::nullopt;
  }

  ValidationCodes codes_;
  int depth_ = 0;
};

}  // namespace

std::optional<ServiceError> validate_input(const ServiceModel& model, const json::object& shape,
                                           const json::object& input) {
  Validator validator(model);
  return validator.structure(model.plan(shape), input, Path{});
}

}  // namespace fanout::protocol
