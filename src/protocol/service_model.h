// A parsed AWS service model: operations and shapes, as the codecs walk them.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "protocol/shape_plan.h"

namespace fanout::protocol {

struct OperationModel {
  std::string name;
  const boost::json::object* input = nullptr;   // resolved input shape, or null
  const boost::json::object* output = nullptr;  // resolved output shape, or null
  std::string result_wrapper;                   // query protocol: <NameResult>
  const ShapePlan* input_plan = nullptr;        // the input shape compiled, or null
};

struct ErrorShapeInfo {
  std::string query_code;  // the awsQuery code, e.g. "AWS.SimpleQueueService.NonExistentQueue"
  int http_status = 400;
  bool sender_fault = true;
};

class ServiceModel {
 public:
  // Parses model JSON; throws std::runtime_error when it is not a usable model.
  explicit ServiceModel(std::string_view json_text);
  // Not copyable: shapes_ points into root_.
  ServiceModel(const ServiceModel&) = delete;
  ServiceModel& operator=(const ServiceModel&) = delete;

  const std::string& service_id() const { return endpoint_prefix_; }
  const std::string& protocol() const { return protocol_; }
  const std::string& api_version() const { return api_version_; }
  const std::string& xml_namespace() const { return xml_namespace_; }
  const std::string& target_prefix() const { return target_prefix_; }
  bool aws_query_compatible() const { return aws_query_compatible_; }
  // "1.0" or "1.1" for JSON-protocol services.
  const std::string& json_version() const { return json_version_; }

  const OperationModel* operation(std::string_view name) const;
  // A member's shape: its "shape" reference resolved, or the member itself when inline.
  const boost::json::object& resolve(const boost::json::object& member) const;
  // The compiled plan of a shape of this model (one resolve() returned, or an operation's input).
  const ShapePlan& plan(const boost::json::object& shape) const;
  // The error shape named `name`, when the model declares one.
  std::optional<ErrorShapeInfo> error_info(std::string_view name) const;

  // The models compiled into the binary, parsed once on first use.
  static const ServiceModel& embedded(std::string_view service);

 private:
  boost::json::value root_;
  const boost::json::object* shapes_ = nullptr;  // root_'s "shapes", looked up on every resolve()
  std::string endpoint_prefix_, protocol_, api_version_, xml_namespace_, target_prefix_, json_version_;
  bool aws_query_compatible_ = false;
  std::unordered_map<std::string, OperationModel> operations_;
  // Keyed by the shape's JSON object, which root_ holds still for the model's life.
  std::unordered_map<const boost::json::object*, std::unique_ptr<ShapePlan>> plans_;

  ShapePlan& compile(const boost::json::object& shape);
  MemberPlan compile_reference(const boost::json::object& reference, std::string_view name);
};

}  // namespace fanout::protocol
