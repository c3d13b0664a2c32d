// The AWS query protocol: form-encoded input decoded by walking the model's input shape
// (member locationNames, flattened lists and maps, as botocore serializes them), and XML
// output written by walking the output shape.
#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <variant>

#include "protocol/form_params.h"
#include "protocol/service_error.h"
#include "protocol/service_model.h"

namespace fanout::protocol {

// Form parameters → input object, by the operation's compiled input plan. Errors are type
// errors (e.g. a non-numeric integer).
std::variant<boost::json::object, ServiceError> decode_query_input(const OperationModel& op,
                                                                   const FormParams& params);

std::string encode_query_response(const ServiceModel& model, const OperationModel& op,
                                  const boost::json::object& output, const std::string& request_id);

// The query error envelope. `code` is the wire code (already mapped from the error shape).
std::string encode_query_error(const ServiceModel* model, const std::string& code, const std::string& message,
                               bool sender_fault, const std::string& request_id);

// Timestamps: engines emit epoch seconds; the query protocol writes ISO 8601.
std::string iso8601_from_epoch(double seconds);

}  // namespace fanout::protocol
