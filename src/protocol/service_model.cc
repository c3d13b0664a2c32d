#include "protocol/service_model.h"

#include <array>
#include <boost/json/parse.hpp>
#include <mutex>
#include <stdexcept>

#include "protocol/embedded_models.h"

namespace fanout::protocol {
namespace json = boost::json;

namespace {
std::string string_or(const json::object& obj, std::string_view key) {
  if (auto* v = obj.if_contains(key); v && v->is_string()) return std::string(v->as_string());
  return {};
}

std::string_view view_or_empty(const json::object& obj, std::string_view key) {
  if (auto* v = obj.if_contains(key); v && v->is_string()) return v->as_string();
  return {};
}

std::optional<std::int64_t> limit_of(const json::object& shape, std::string_view key) {
  const auto* v = shape.if_contains(key);
  if (!v) return std::nullopt;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64()) return static_cast<std::int64_t>(v->as_uint64());
  if (v->is_double()) return static_cast<std::int64_t>(v->as_double());
  return std::nullopt;
}

ShapeType shape_type_of(const json::object& shape) {
  const std::string_view type = view_or_empty(shape, "type");
  if (type == "structure") return ShapeType::structure;
  if (type == "list") return ShapeType::list;
  if (type == "map") return ShapeType::map;
  if (type == "string" || type.empty()) return ShapeType::string;
  if (type == "integer") return ShapeType::integer;
  if (type == "long") return ShapeType::long_integer;
  if (type == "boolean") return ShapeType::boolean;
  if (type == "double" || type == "float") return ShapeType::floating;
  if (type == "timestamp") return ShapeType::timestamp;
  if (type == "blob") return ShapeType::blob;
  return ShapeType::other;
}
}  // namespace

ServiceModel::ServiceModel(std::string_view json_text) : root_(json::parse(json_text)) {
  const auto* meta = root_.as_object().if_contains("metadata");
  if (!meta || !meta->is_object()) throw std::runtime_error("service model has no metadata");
  const auto& m = meta->as_object();
  endpoint_prefix_ = string_or(m, "endpointPrefix");
  protocol_ = string_or(m, "protocol");
  api_version_ = string_or(m, "apiVersion");
  xml_namespace_ = string_or(m, "xmlNamespace");
  target_prefix_ = string_or(m, "targetPrefix");
  json_version_ = string_or(m, "jsonVersion");
  aws_query_compatible_ = m.contains("awsQueryCompatible");
  const auto* shapes = root_.as_object().if_contains("shapes");
  if (!shapes || !shapes->is_object()) throw std::runtime_error("service model has no shapes");
  shapes_ = &shapes->as_object();
  if (xml_namespace_.empty() && !api_version_.empty()) {
    xml_namespace_ = "http://" + endpoint_prefix_ + ".amazonaws.com/doc/" + api_version_ + "/";
  }

  for (const auto& [name, op_value] : root_.at("operations").as_object()) {
    const auto& op = op_value.as_object();
    OperationModel model;
    model.name = name;
    if (const auto* in = op.if_contains("input")) {
      model.input = &resolve(in->as_object());
      model.input_plan = &compile(*model.input);
    }
    if (const auto* out = op.if_contains("output")) {
      model.output = &resolve(out->as_object());
      model.result_wrapper = string_or(out->as_object(), "resultWrapper");
    }
    operations_.emplace(std::string(name), std::move(model));
  }
}

const OperationModel* ServiceModel::operation(std::string_view name) const {
  auto it = operations_.find(std::string(name));
  return it == operations_.end() ? nullptr : &it->second;
}

const json::object& ServiceModel::resolve(const json::object& member) const {
  if (const auto* ref = member.if_contains("shape"); ref && ref->is_string()) {
    if (const auto* shape = shapes_->if_contains(ref->as_string())) return shape->as_object();
    throw std::runtime_error("service model references unknown shape " + std::string(ref->as_string()));
  }
  return member;
}

const ShapePlan& ServiceModel::plan(const json::object& shape) const {
  auto it = plans_.find(&shape);
  if (it == plans_.end()) throw std::logic_error("ServiceModel::plan: the shape is not one of this model's");
  return *it->second;
}

// A plan is registered before its members are compiled, so a recursive shape refers to itself.
ShapePlan& ServiceModel::compile(const json::object& shape) {
  if (auto it = plans_.find(&shape); it != plans_.end()) return *it->second;
  ShapePlan& plan = *plans_.emplace(&shape, std::make_unique<ShapePlan>()).first->second;
  plan.type = shape_type_of(shape);
  if (const auto* f = shape.if_contains("flattened"); f && f->is_bool()) plan.flattened = f->as_bool();
  plan.min = limit_of(shape, "min");
  plan.max = limit_of(shape, "max");
  if (const auto* members = shape.if_contains("members"); members && members->is_object()) {
    for (const auto& [name, member] : members->as_object()) {
      plan.members.push_back(compile_reference(member.as_object(), name));
    }
  }
  if (const auto* required = shape.if_contains("required"); required && required->is_array()) {
    for (const auto& name : required->as_array()) plan.required.emplace_back(name.as_string());
  }
  if (const auto* item = shape.if_contains("member"); item && item->is_object()) {
    plan.item = compile_reference(item->as_object(), {});
  }
  if (const auto* key = shape.if_contains("key"); key && key->is_object()) {
    plan.key = compile_reference(key->as_object(), {});
  }
  if (const auto* value = shape.if_contains("value"); value && value->is_object()) {
    plan.value = compile_reference(value->as_object(), {});
  }
  return plan;
}

MemberPlan ServiceModel::compile_reference(const json::object& reference, std::string_view name) {
  const json::object& shape = resolve(reference);
  MemberPlan member;
  member.name = name;
  member.location_name = view_or_empty(reference, "locationName");
  member.wire_name = member.location_name;
  if (member.wire_name.empty()) member.wire_name = view_or_empty(shape, "locationName");
  if (member.wire_name.empty()) member.wire_name = name;
  member.shape = &compile(shape);
  return member;
}

std::optional<ErrorShapeInfo> ServiceModel::error_info(std::string_view name) const {
  const auto* shape = shapes_->if_contains(name);
  if (!shape || !shape->is_object()) return std::nullopt;
  const auto& s = shape->as_object();
  if (!s.contains("exception")) return std::nullopt;
  ErrorShapeInfo info;
  info.query_code = std::string(name);
  if (const auto* err = s.if_contains("error"); err && err->is_object()) {
    const auto& e = err->as_object();
    if (auto code = string_or(e, "code"); !code.empty()) info.query_code = code;
    if (const auto* st = e.if_contains("httpStatusCode"); st && st->is_int64()) {
      info.http_status = static_cast<int>(st->as_int64());
    }
    if (const auto* sf = e.if_contains("senderFault"); sf && sf->is_bool()) info.sender_fault = sf->as_bool();
  }
  return info;
}

const ServiceModel& ServiceModel::embedded(std::string_view service) {
  // Each model is parsed on its first use, once; after that a lookup takes no lock, because the
  // gateway asks for a model on every request.
  struct Slot {
    std::string_view name;
    std::once_flag parsed{};
    std::unique_ptr<ServiceModel> model{};
  };
  static std::array<Slot, 4> slots{{{"sqs"}, {"sns"}, {"firehose"}, {"cloudformation"}}};
  for (Slot& slot : slots) {
    if (slot.name != service) continue;
    std::call_once(slot.parsed, [&slot] {
      const std::string_view text = embedded_model(slot.name);
      if (text.empty()) throw std::runtime_error("no embedded model for service " + std::string(slot.name));
      slot.model = std::make_unique<ServiceModel>(text);
    });
    return *slot.model;
  }
  throw std::runtime_error("no embedded model for service " + std::string(service));
}

}  // namespace fanout::protocol
