#include "client/wire_protocols.h"

#include <boost/json.hpp>
#include <pugixml.hpp>

#include "client/service_caller.h"
#include "common/percent_encoding.h"

namespace fanout::client {
namespace {

std::string status_code_name(int status) { return "HttpStatus" + std::to_string(status); }

}  // namespace

std::string request_id_of(const HttpResponse& response) {
  for (const char* name : {"x-amzn-RequestId", "x-amz-request-id", "x-amzn-request-id"}) {
    if (const std::string* value = response.header(name)) return *value;
  }
  return {};
}

AwsError parse_json_error(const HttpResponse& response) {
  std::string code;
  std::string message;
  boost::system::error_code ec;
  boost::json::value body = boost::json::parse(response.body, ec);
  if (!ec && body.is_object()) {
    const auto& object = body.as_object();
    for (const char* key : {"__type", "code", "Code"}) {
      if (auto it = object.find(key); it != object.end() && it->value().is_string()) {
        code = std::string(it->value().as_string());
        break;
      }
    }
    for (const char* key : {"message", "Message", "errorMessage"}) {
      if (auto it = object.find(key); it != object.end() && it->value().is_string()) {
        message = std::string(it->value().as_string());
        break;
      }
    }
  }
  if (const std::string* type = response.header("x-amzn-ErrorType"); type && code.empty()) code = *type;
  if (const std::string* query_error = response.header("x-amzn-query-error")) {
    code = query_error->substr(0, query_error->find(';'));
  }
  // "com.amazonaws.sqs#QueueDoesNotExist" and "Code:http://..." both reduce to the bare code.
  if (auto hash = code.rfind('#'); hash != std::string::npos) code = code.substr(hash + 1);
  if (auto colon = code.find(':'); colon != std::string::npos) code.resize(colon);
  if (code.empty()) code = status_code_name(response.status);
  return AwsError(code, message, response.status, request_id_of(response));
}

AwsError parse_xml_error(const HttpResponse& response) {
  std::string code;
  std::string message;
  std::string request_id = request_id_of(response);
  pugi::xml_document doc;
  if (!response.body.empty() && doc.load_buffer(response.body.data(), response.body.size())) {
    pugi::xml_node error = doc.child("ErrorResponse").child("Error");
    if (!error) error = doc.child("Error");
    if (!error) error = doc.child("Response").child("Errors").child("Error");
    code = error.child_value("Code");
    message = error.child_value("Message");
    if (request_id.empty()) {
      request_id = doc.child("ErrorResponse").child_value("RequestId");
      if (request_id.empty()) request_id = error.child_value("RequestId");
    }
  }
  if (code.empty()) code = status_code_name(response.status);
  return AwsError(code, message, response.status, request_id);
}

std::string form_encode(const QueryParams& params) {
  std::string body;
  for (const auto& [name, value] : params) {
    if (!body.empty()) body += '&';
    percent_encoding::append_encoded(body, name);
    body += '=';
    percent_encoding::append_encoded(body, value);
  }
  return body;
}

boost::json::object call_json(ServiceCaller& caller, std::string_view content_type, std::string_view target,
                              const boost::json::object& body) {
  auth::HttpRequest request;
  request.method = "POST";
  request.target = "/";
  request.headers = {{"Content-Type", std::string(content_type)}, {"X-Amz-Target", std::string(target)}};
  request.body = boost::json::serialize(body);
  HttpResponse response = caller.call(std::move(request));
  boost::system::error_code ec;
  // A response is parsed once and dropped after its strings are copied out: its nodes come from
  // one growing block (freed with the object) instead of a heap allocation each.
  boost::json::value parsed =
      boost::json::parse(response.body.empty() ? "{}" : response.body, ec,
                         boost::json::make_shared_resource<boost::json::monotonic_resource>());
  if (ec || !parsed.is_object()) {
    throw AwsError("SerializationException", "response is not a JSON object: " + response.body.substr(0, 200),
                   response.status, request_id_of(response));
  }
  return std::move(parsed.as_object());
}

std::string call_query(ServiceCaller& caller, std::string_view action, std::string_view version,
                       const QueryParams& params) {
  QueryParams all{{"Action", std::string(action)}, {"Version", std::string(version)}};
  all.insert(all.end(), params.begin(), params.end());
  auth::HttpRequest request;
  request.method = "POST";
  request.target = "/";
  request.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
  request.body = form_encode(all);
  return caller.call(std::move(request)).body;
}

std::string json_string_member(const boost::json::object& object, std::string_view key) {
  auto it = object.find(key);
  return it != object.end() && it->value().is_string() ? std::string(it->value().as_string()) : std::string();
}

}  // namespace fanout::client
