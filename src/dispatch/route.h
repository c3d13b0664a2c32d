// Decides which service and operation a request is for, and with which wire protocol,
// exactly as AWS front ends do: X-Amz-Target, then the form's Action, then the SigV4
// credential scope, else S3's REST API.
#pragma once

#include <string>

#include "net/http_handler.h"
#include "protocol/form_params.h"

namespace fanout::dispatch {

enum class WireProtocol { query, json, rest_xml };

struct Route {
  std::string service;  // "sqs", "sns", "firehose", "cloudformation", "s3"; empty when unknown
  WireProtocol protocol = WireProtocol::rest_xml;
  std::string operation;      // model operation name; empty for S3 (resolved by the S3 front end)
  protocol::FormParams form;  // query protocol: body and URL parameters merged
  bool malformed_form = false;
};

// `scope_service` is the service named by the request's SigV4 credential scope, if any.
Route route_request(const net::Request& request, const std::string& scope_service);

// Splits "path?query" into its two parts.
std::pair<std::string_view, std::string_view> split_target(std::string_view target);

}  // namespace fanout::dispatch
