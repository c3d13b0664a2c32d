// Internal: the three AWS wire protocols the clients speak (awsJson 1.0/1.1, query, rest-xml):
// request encoding helpers and error-response parsing.
#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "client/aws_error.h"
#include "client/http_transport.h"

namespace fanout::client {

class ServiceCaller;

using QueryParams = std::vector<std::pair<std::string, std::string>>;

std::string request_id_of(const HttpResponse& response);

// {"__type": "...#Code", "message": ...}; an x-amzn-query-error header ("Code;Sender", sent by
// query-compatible services such as SQS) names the code the query protocol would have used.
AwsError parse_json_error(const HttpResponse& response);
// <ErrorResponse><Error><Code/><Message/></Error><RequestId/></ErrorResponse>, or S3's <Error>.
AwsError parse_xml_error(const HttpResponse& response);

std::string form_encode(const QueryParams& params);

// The string member `key` of a JSON response object, or "" when absent or not a string.
std::string json_string_member(const boost::json::object& object, std::string_view key);

// POSTs the JSON body with X-Amz-Target and returns the parsed response object.
boost::json::object call_json(ServiceCaller& caller, std::string_view content_type, std::string_view target,
                              const boost::json::object& body);
// POSTs Action/Version/params as a form and returns the response XML text.
std::string call_query(ServiceCaller& caller, std::string_view action, std::string_view version,
                       const QueryParams& params);

}  // namespace fanout::client
