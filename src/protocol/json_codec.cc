#include "protocol/json_codec.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace fanout::protocol {
namespace json = boost::json;

std::variant<json::object, ServiceError> decode_json_input(std::string_view body) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) return json::object{};
  boost::system::error_code ec;
  json::parse_options options;
  options.max_depth = 64;
  auto value = json::parse(body, ec, {}, options);
  if (ec || !value.is_object()) {
    return ServiceError::make("SerializationException",
                              "Start of structure or map found where not expected.");
  }
  return std::move(value.as_object());
}

JsonError encode_json_error(const ServiceModel* model, const std::string& shape_name,
                            const std::string& query_code, const std::string& message, bool sender_fault) {
  JsonError out;
  std::string type = shape_name;
  if (model && model->aws_query_compatible()) {
    type = "com.amazonaws." + model->service_id() + "#" + shape_name;
    out.query_error_header = query_code + (sender_fault ? ";Sender" : ";Receiver");
  }
  json::object body;
  body["__type"] = type;
  body["message"] = message;
  out.body = json::serialize(body);
  return out;
}

}  // namespace fanout::protocol
