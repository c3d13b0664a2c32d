#include "protocol/query_codec.h"

#include <array>
#include <boost/json/value.hpp>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <ctime>

#include "common/iso8601.h"
#include "protocol/xml_writer.h"

namespace fanout::protocol {
namespace json = boost::json;

namespace {

std::string_view type_of(const json::object& shape) {
  if (const auto* t = shape.if_contains("type"); t && t->is_string()) return t->as_string();
  return "string";
}

// Views into the service model, or the fallback: both outlive every decode and encode. No copies:
// the decoder asks for names of every member of every list entry (PublishBatch's ten entries).
std::string_view location_name(const json::object& member, std::string_view fallback) {
  if (const auto* n = member.if_contains("locationName"); n && n->is_string()) return n->as_string();
  return fallback;
}

// A member's wire name: its own locationName, else its shape's (e.g. SQS's TagMap is "Tag"), as
// botocore merges the two.
std::string_view wire_name(const json::object& member, const json::object& shape, std::string_view fallback) {
  return location_name(member, location_name(shape, fallback));
}

bool flattened(const json::object& shape) {
  const auto* f = shape.if_contains("flattened");
  return f && f->is_bool() && f->as_bool();
}

// True when some parameter equals `prefix` or starts with `prefix.`.
bool has_prefix(const FormParams& params, std::string_view prefix) {
  auto it = params.lower_bound(prefix);
  if (it == params.end()) return false;
  if (it->first == prefix) return true;
  return it->first.size() > prefix.size() && it->first.compare(0, prefix.size(), prefix) == 0 &&
         it->first[prefix.size()] == '.';
}

// AWS caps list and map sizes far below this; the cap only bounds work on hostile input.
constexpr int kMaxEntries = 1000;

void append_index(std::string& key, int index) {
  std::array<char, 16> digits{};
  key.push_back('.');
  key.append(digits.data(), std::to_chars(digits.data(), digits.data() + digits.size(), index).ptr);
}

// Walks the input shape's compiled plan. Every parameter name is built in place in the key
// being walked (appended on the way down, cut back on the way up), so a member that is absent
// costs one lookup and no allocation.
class QueryDecoder {
 public:
  explicit QueryDecoder(const FormParams& params) : params_(params) {}

  std::optional<ServiceError> error;

  // `key` is the structure's own name ("" at the top) and is as it was on return.
  json::object structure(const ShapePlan& shape, std::string& key) {
    json::object out;
    const std::size_t base = key.size();
    for (const MemberPlan& member : shape.members) {
      if (base) key.push_back('.');
      key.append(member.wire_name);
      auto value = decode(member, key, member.name);
      key.resize(base);
      if (error) return out;
      if (value) out[member.name] = std::move(*value);
    }
    return out;
  }

 private:
  std::optional<json::value> decode(const MemberPlan& member, std::string& key, std::string_view name) {
    if (++depth_ > 16) {
      --depth_;
      return std::nullopt;
    }
    auto result = decode_inner(*member.shape, key, name);
    --depth_;
    return result;
  }

  std::optional<json::value> decode_inner(const ShapePlan& shape, std::string& key, std::string_view name) {
    switch (shape.type) {
      case ShapeType::structure:
        if (!has_prefix(params_, key)) return std::nullopt;
        return json::value(structure(shape, key));
      case ShapeType::list:
        return list(shape, key, name);
      case ShapeType::map:
        return map(shape, key, name);
      default:
        return scalar(shape.type, key, name);
    }
  }

  std::optional<json::value> list(const ShapePlan& shape, const std::string& key, std::string_view name) {
    const MemberPlan& item = shape.item;
    std::string list_prefix;
    if (shape.flattened) {
      list_prefix = key;
      if (!item.location_name.empty()) {
        auto dot = key.rfind('.');
        list_prefix = dot == std::string::npos ? std::string() : key.substr(0, dot + 1);
        list_prefix.append(item.location_name);
      }
    } else {
      list_prefix = key;
      list_prefix.push_back('.');
      list_prefix.append(item.location_name.empty() ? std::string_view("member") : item.location_name);
    }
    auto exact = params_.find(key);
    bool present = has_prefix(params_, list_prefix) || (exact != params_.end() && exact->second.empty());
    // Tolerate clients that send a flattened list under the member name itself.
    if (!has_prefix(params_, list_prefix) && list_prefix != key && has_prefix(params_, key + ".1")) {
      list_prefix = key;
      present = true;
    }
    if (!present) return std::nullopt;
    json::array arr;
    const std::size_t base = list_prefix.size();
    for (int i = 1; i <= kMaxEntries; ++i) {
      append_index(list_prefix, i);
      if (!has_prefix(params_, list_prefix)) break;
      auto v = decode(item, list_prefix, name);
      list_prefix.resize(base);
      if (error) return std::nullopt;
      if (v) arr.push_back(std::move(*v));
    }
    return json::value(std::move(arr));
  }

  std::optional<json::value> map(const ShapePlan& shape, const std::string& key, std::string_view name) {
    std::string entry = key;
    if (!shape.flattened) entry.append(".entry");
    if (!has_prefix(params_, entry)) return std::nullopt;
    const std::string_view key_name = shape.key.location_name.empty() ? "key" : shape.key.location_name;
    const std::string_view value_name =
        shape.value.location_name.empty() ? "value" : shape.value.location_name;
    json::object obj;
    const std::size_t base = entry.size();
    for (int i = 1; i <= kMaxEntries; ++i) {
      append_index(entry, i);
      if (!has_prefix(params_, entry)) break;
      entry.push_back('.');  // "<map>.entry.N." then "key" / "value"
      const std::size_t item_base = entry.size();
      entry.append(key_name);
      auto k = params_.find(entry);
      if (k != params_.end()) {
        entry.resize(item_base);
        entry.append(value_name);
        auto v = decode(shape.value, entry, name);
        if (error) return std::nullopt;
        if (v) obj[k->second] = std::move(*v);
      }
      entry.resize(base);
    }
    return json::value(std::move(obj));
  }

  std::optional<json::value> scalar(ShapeType type, const std::string& key, std::string_view name) {
    auto it = params_.find(key);
    if (it == params_.end()) return std::nullopt;
    const std::string& text = it->second;
    switch (type) {
      case ShapeType::integer:
      case ShapeType::long_integer: {
        std::int64_t n = 0;
        auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
        if (ec != std::errc() || ptr != text.data() + text.size() || text.empty()) {
          return invalid(text, name, "must be an integer");
        }
        return json::value(n);
      }
      case ShapeType::boolean:
        if (text == "true") return json::value(true);
        if (text == "false") return json::value(false);
        return invalid(text, name, "must be a boolean");
      case ShapeType::floating: {
        char* end = nullptr;
        double d = std::strtod(text.c_str(), &end);
        if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(d)) {
          return invalid(text, name, "must be a number");
        }
        return json::value(d);
      }
      default:
        return json::value(json::string(text));
    }
  }

  std::nullopt_t invalid(const std::string& text, std::string_view name, std::string_view reason) {
    error =
        ServiceError::make("InvalidParameterValue", "Value " + text + " for parameter " + std::string(name) +
                                                        " is invalid. Reason: " + std::string(reason) + ".");
    return std::nullopt;
  }

  const FormParams& params_;
  int depth_ = 0;
};

class QueryEncoder {
 public:
  QueryEncoder(const ServiceModel& model, XmlWriter& xml) : model_(model), xml_(xml) {}

  void members(const json::object& shape, const json::object& value) {
    const auto* members = shape.if_contains("members");
    if (!members) return;
    for (const auto& [name, member_value] : members->as_object()) {
      const auto* v = value.if_contains(name);
      if (!v || v->is_null()) continue;
      const auto& member = member_value.as_object();
      const auto& shape = model_.resolve(member);
      write(member, shape, wire_name(member, shape, name), *v);
    }
  }

 private:
  void write(const json::object& member, const json::object& shape, std::string_view name,
             const json::value& v) {
    auto type = type_of(shape);
    if (type == "structure") {
      if (!v.is_object()) return;
      xml_.open(name);
      members(shape, v.as_object());
      xml_.close(name);
    } else if (type == "list") {
      if (!v.is_array()) return;
      const auto& item_member = shape.at("member").as_object();
      const auto& item_shape = model_.resolve(item_member);
      if (flattened(shape)) {
        const std::string_view item_name = location_name(item_member, name);
        for (const auto& item : v.as_array()) write(item_member, item_shape, item_name, item);
      } else {
        const std::string_view item_name = location_name(item_member, "member");
        xml_.open(name);
        for (const auto& item : v.as_array()) write(item_member, item_shape, item_name, item);
        xml_.close(name);
      }
    } else if (type == "map") {
      if (!v.is_object()) return;
      const auto& key_member = shape.at("key").as_object();
      const auto& value_member = shape.at("value").as_object();
      const std::string_view key_name = location_name(key_member, "key");
      const std::string_view value_name = location_name(value_member, "value");
      const auto& value_shape = model_.resolve(value_member);
      bool flat = flattened(shape);
      if (!flat) xml_.open(name);
      for (const auto& [k, item] : v.as_object()) {
        xml_.open(flat ? name : "entry");
        xml_.element(key_name, k);
        write(value_member, value_shape, value_name, item);
        xml_.close(flat ? name : "entry");
      }
      if (!flat) xml_.close(name);
    } else {
      xml_.element(name, scalar(type, v));
    }
  }

  static std::string scalar(std::string_view type, const json::value& v) {
    if (v.is_string()) return std::string(v.as_string());
    if (v.is_bool()) return v.as_bool() ? "true" : "false";
    if (v.is_int64())
      return type == "timestamp" ? iso8601_from_epoch(double(v.as_int64())) : std::to_string(v.as_int64());
    if (v.is_uint64()) return std::to_string(v.as_uint64());
    if (v.is_double()) {
      if (type == "timestamp") return iso8601_from_epoch(v.as_double());
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.17g", v.as_double());
      return buf;
    }
    return {};
  }

  const ServiceModel& model_;
  XmlWriter& xml_;
};

}  // namespace

std::variant<json::object, ServiceError> decode_query_input(const OperationModel& op,
                                                            const FormParams& params) {
  if (!op.input_plan) return json::object{};
  QueryDecoder decoder(params);
  std::string key;
  auto input = decoder.structure(*op.input_plan, key);
  if (decoder.error) return *decoder.error;
  return input;
}

std::string encode_query_response(const ServiceModel& model, const OperationModel& op,
                                  const json::object& output, const std::string& request_id) {
  XmlWriter xml;
  std::string response = op.name + "Response";
  xml.open(response, model.xml_namespace());
  if (op.output) {
    std::string wrapper = op.result_wrapper.empty() ? op.name + "Result" : op.result_wrapper;
    xml.open(wrapper);
    QueryEncoder encoder(model, xml);
    encoder.members(*op.output, output);
    xml.close(wrapper);
  }
  xml.open("ResponseMetadata");
  xml.element("RequestId", request_id);
  xml.close("ResponseMetadata");
  xml.close(response);
  return std::move(xml.str());
}

std::string encode_query_error(const ServiceModel* model, const std::string& code, const std::string& message,
                               bool sender_fault, const std::string& request_id) {
  XmlWriter xml;
  std::string ns = model ? model->xml_namespace() : "";
  xml.open("ErrorResponse", ns);
  xml.open("Error");
  xml.element("Type", sender_fault ? "Sender" : "Receiver");
  xml.element("Code", code);
  xml.element("Message", message);
  xml.empty("Detail");
  xml.close("Error");
  xml.element("RequestId", request_id);
  xml.close("ErrorResponse");
  return std::move(xml.str());
}

std::string iso8601_from_epoch(double seconds) {
  auto whole = static_cast<std::time_t>(std::floor(seconds));
  int millis = static_cast<int>(std::lround((seconds - std::floor(seconds)) * 1000.0));
  if (millis >= 1000) {
    whole += 1;
    millis -= 1000;
  }
  return iso8601_ms(static_cast<std::int64_t>(whole) * 1000 + millis);
}

}  // namespace fanout::protocol
