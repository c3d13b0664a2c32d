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
    if (const auto* in = op.if_contains("input")) model.input = &resolve(in->as_object());
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
