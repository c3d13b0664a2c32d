// The AWS JSON protocols (1.0 for SQS, 1.1 for Firehose): input is the request body as a JSON
// object named by the model's members; errors carry __type and, for awsQueryCompatible
// services such as SQS, the x-amzn-query-error header with the query protocol's code.
#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <variant>

#include "protocol/service_error.h"
#include "protocol/service_model.h"

namespace fanout::protocol {

std::variant<boost::json::object, ServiceError> decode_json_input(std::string_view body);

struct JsonError {
  std::string body;
  std::string query_error_header;  // empty unless the service is awsQueryCompatible
};

// `shape_name` is the error's shape name or bare code; `query_code` the awsQuery code.
JsonError encode_json_error(const ServiceModel* model, const std::string& shape_name,
                            const std::string& query_code, const std::string& message, bool sender_fault);

}  // namespace fanout::protocol
