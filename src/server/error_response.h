// Renders an AWS error in the wire protocol the request came in on.
#pragma once

#include <string>

#include "auth/sigv4.h"
#include "dispatch/route.h"
#include "net/http_handler.h"
#include "protocol/service_error.h"

namespace fanout::server {

// `service` may be empty (unknown); the model, when known, maps shape names to query codes.
net::Response error_response(const std::string& service, dispatch::WireProtocol protocol,
                             const protocol::ServiceError& error, const std::string& request_id,
                             unsigned version,
                             const std::string& resource = "");  // rest-xml (S3): the <Resource> path

// AWS's error for an authentication failure, per service and protocol.
protocol::ServiceError auth_error(const std::string& service, dispatch::WireProtocol protocol,
                                  const auth::AuthError& error);

// AWS's answer to a failure on its side (an exception on fanoutd's request path), per service:
// S3 InternalError; SNS its modelled InternalErrorException (query code InternalError); SQS,
// Firehose and CloudFormation the common InternalFailure (SQS's JSON protocol also sends it as
// x-amzn-query-error "InternalFailure;Receiver", no model declaring it). All 500.
protocol::ServiceError internal_error(const std::string& service);

// Headers every AWS response carries.
void stamp_common_headers(net::Response& response, const std::string& service, const std::string& request_id);

}  // namespace fanout::server
