#include "server/error_response.h"

#include <ctime>

#include "protocol/json_codec.h"
#include "protocol/query_codec.h"
#include "protocol/service_model.h"
#include "protocol/xml_writer.h"

namespace fanout::server {

using dispatch::WireProtocol;
using protocol::ServiceError;

namespace {

const protocol::ServiceModel* model_for(const std::string& service) {
  if (service == "sqs" || service == "sns" || service == "firehose" || service == "cloudformation") {
    return &protocol::ServiceModel::embedded(service);
  }
  return nullptr;
}

std::string http_date() {
  // Cached per second: every response carries Date, which SDKs use to correct clock skew.
  thread_local std::time_t cached_second = 0;
  thread_local std::string cached;
  std::time_t now = std::time(nullptr);
  if (now != cached_second) {
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    cached = buf;
    cached_second = now;
  }
  return cached;
}

}  // namespace

void stamp_common_headers(net::Response& response, const std::string& service,
                          const std::string& request_id) {
  response.set(net::http::field::date, http_date());
  if (service == "s3") {
    response.set("x-amz-request-id", request_id);
    response.set("x-amz-id-2", request_id);
  } else {
    response.set("x-amzn-RequestId", request_id);
  }
}

net::Response error_response(const std::string& service, WireProtocol protocol, const ServiceError& error,
                             const std::string& request_id, unsigned version, const std::string& resource) {
  const auto* model = model_for(service);
  std::string query_code = error.code;
  int status = error.http_status;
  bool sender = error.sender_fault;
  if (model) {
    if (auto info = model->error_info(error.code)) {
      query_code = info->query_code;
      status = info->http_status;
      sender = info->sender_fault;
    }
  }
  net::Response response{static_cast<net::http::status>(status), version};
  switch (protocol) {
    case WireProtocol::json: {
      auto encoded = protocol::encode_json_error(model, error.code, query_code, error.message, sender);
      response.set(net::http::field::content_type,
                   "application/x-amz-json-" +
                       (model && !model->json_version().empty() ? model->json_version() : "1.0"));
      if (!encoded.query_error_header.empty()) response.set("x-amzn-query-error", encoded.query_error_header);
      response.body() = std::move(encoded.body);
      break;
    }
    case WireProtocol::query:
      response.set(net::http::field::content_type, "text/xml");
      response.body() = protocol::encode_query_error(model, query_code, error.message, sender, request_id);
      break;
    case WireProtocol::rest_xml: {
      protocol::XmlWriter xml;
      xml.str() = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
      xml.open("Error");
      xml.element("Code", error.code);
      xml.element("Message", error.message);
      if (!resource.empty()) xml.element("Resource", resource);
      xml.element("RequestId", request_id);
      xml.element("HostId", request_id);
      xml.close("Error");
      response.set(net::http::field::content_type, "application/xml");
      response.body() = std::move(xml.str());
      break;
    }
  }
  stamp_common_headers(response, service, request_id);
  response.prepare_payload();
  return response;
}

ServiceError internal_error(const std::string& service) {
  if (service == "s3") {
    return ServiceError::make("InternalError", "We encountered an internal error. Please try again.", 500);
  }
  if (service == "sns") return ServiceError::make("InternalErrorException", "Internal error", 500);
  return ServiceError::make("InternalFailure",
                            "The request processing has failed because of an unknown error, exception or "
                            "failure.",
                            500);
}

ServiceError auth_error(const std::string& service, WireProtocol protocol, const auth::AuthError& error) {
  using auth::AuthFailure;
  const bool s3 = service == "s3";
  // JSON-protocol services name their auth errors differently (Coral exceptions); SQS's JSON
  // answers also carry the query code in x-amzn-query-error via the model's error table,
  // which has none of these, so the shape name is what the SDK shows.
  const bool json = protocol == WireProtocol::json && service != "sqs";
  switch (error.failure) {
    case AuthFailure::missing:
      if (s3) return ServiceError::make("AccessDenied", "Access Denied", 403);
      return ServiceError::make(json ? "MissingAuthenticationTokenException" : "MissingAuthenticationToken",
                                "Request is missing Authentication Token", json ? 400 : 403);
    case AuthFailure::incomplete:
    case AuthFailure::unsupported_algorithm:
      if (s3) return ServiceError::make("AuthorizationHeaderMalformed", error.message, 400);
      return ServiceError::make(json ? "IncompleteSignatureException" : "IncompleteSignature", error.message,
                                json ? 400 : 403);
    case AuthFailure::unknown_access_key:
      if (s3) {
        return ServiceError::make("InvalidAccessKeyId",
                                  "The AWS Access Key Id you provided does not exist in our records.", 403);
      }
      return ServiceError::make(json ? "UnrecognizedClientException" : "InvalidClientTokenId",
                                "The security token included in the request is invalid.", json ? 400 : 403);
    case AuthFailure::signature_mismatch:
      return ServiceError::make(json ? "InvalidSignatureException" : "SignatureDoesNotMatch", error.message,
                                json ? 400 : 403);
    case AuthFailure::time_skewed:
      return ServiceError::make(json ? "InvalidSignatureException" : "RequestTimeTooSkewed", error.message,
                                json ? 400 : 403);
    case AuthFailure::expired:
      return ServiceError::make("AccessDenied", error.message.empty() ? "Request has expired" : error.message,
                                403);
    case AuthFailure::content_sha256_mismatch:
      return ServiceError::make(
          "XAmzContentSHA256Mismatch",
          "The provided 'x-amz-content-sha256' header does not match what was computed.", 400);
  }
  return ServiceError::make("AccessDenied", "Access Denied", 403);
}

}  // namespace fanout::server
