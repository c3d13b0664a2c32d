#include "services/s3/s3_frontend.h"

#include <spdlog/spdlog.h>

#include <array>
#include <chrono>

#include "auth/uri_encoding.h"
#include "protocol/xml_writer.h"
#include "server/error_response.h"
#include "services/s3/frontend_internal.h"
#include "services/s3/key_path.h"
#include "services/s3/s3_error.h"
#include "services/s3/s3_xml.h"
#include "services/s3/upload_sink.h"

namespace fanout::services::s3 {

namespace http = net::http;
using protocol::ServiceError;

namespace {

// Query parameters that name a subresource S3 has but fanoutd does not implement: AWS's
// NotImplemented, never a pretend success.
constexpr std::array<std::string_view, 33> kUnsupportedSubresources = {"accelerate",
                                                                       "acl",
                                                                       "analytics",
                                                                       "attributes",
                                                                       "cors",
                                                                       "encryption",
                                                                       "intelligent-tiering",
                                                                       "inventory",
                                                                       "legal-hold",
                                                                       "lifecycle",
                                                                       "logging",
                                                                       "metadataConfiguration",
                                                                       "metrics",
                                                                       "notification",
                                                                       "object-lock",
                                                                       "ownershipControls",
                                                                       "policyStatus",
                                                                       "publicAccessBlock",
                                                                       "replication",
                                                                       "requestPayment",
                                                                       "restore",
                                                                       "retention",
                                                                       "select",
                                                                       "session",
                                                                       "torrent",
                                                                       "versionId",
                                                                       "versions",
                                                                       "website",
                                                                       "renameObject",
                                                                       "abac",
                                                                       "metadataTable",
                                                                       "inventoryConfiguration",
                                                                       "journalTable"};

// The operation a request asks for, from method, what it addresses and its subresources.
std::string resolve_operation(const S3Frontend::Call& call) {
  const auto method = call.request().method();
  const bool bucket = !call.address.bucket.empty();
  const bool key = !call.address.key.empty();
  for (auto name : kUnsupportedSubresources) {
    if (call.has(name)) return "";
  }
  if (!bucket) return method == http::verb::get ? "ListBuckets" : "";
  if (!key) {
    switch (method) {
      case http::verb::get:
        if (call.has("location")) return "GetBucketLocation";
        if (call.has("policy")) return "GetBucketPolicy";
        if (call.has("tagging")) return "GetBucketTagging";
        if (call.has("uploads")) return "ListMultipartUploads";
        if (call.has("versioning")) return "GetBucketVersioning";
        if (auto* type = call.param("list-type"); type && *type == "2") return "ListObjectsV2";
        return "ListObjects";
      case http::verb::put:
        if (call.has("policy")) return "PutBucketPolicy";
        if (call.has("tagging")) return "PutBucketTagging";
        if (call.has("versioning")) return "";
        return "CreateBucket";
      case http::verb::delete_:
        if (call.has("policy")) return "DeleteBucketPolicy";
        if (call.has("tagging")) return "DeleteBucketTagging";
        return "DeleteBucket";
      case http::verb::head:
        return "HeadBucket";
      case http::verb::post:
        if (call.has("delete")) return "DeleteObjects";
        return "";
      default:
        return "";
    }
  }
  switch (method) {
    case http::verb::get:
      if (call.has("tagging")) return "GetObjectTagging";
      if (call.has("uploadId")) return "ListParts";
      return "GetObject";
    case http::verb::head:
      return "HeadObject";
    case http::verb::put:
      if (call.has("tagging")) return "PutObjectTagging";
      if (call.has("uploadId") || call.has("partNumber")) {
        return call.request().count("x-amz-copy-source") ? "UploadPartCopy" : "UploadPart";
      }
      if (call.request().count("x-amz-copy-source")) return "CopyObject";
      return "PutObject";
    case http::verb::delete_:
      if (call.has("tagging")) return "DeleteObjectTagging";
      if (call.has("uploadId")) return "AbortMultipartUpload";
      return "DeleteObject";
    case http::verb::post:
      if (call.has("uploads")) return "CreateMultipartUpload";
      if (call.has("uploadId")) return "CompleteMultipartUpload";
      return "";
    default:
      return "";
  }
}

bool is_upload_target(std::string_view target, bool has_copy_source) {
  if (has_copy_source) return false;
  auto q = target.find('?');
  auto query = q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
  for (const auto& [name, value] : auth::detail::parse_query(query)) {
    if (name != "partNumber" && name != "uploadId" && name != "x-id") return false;
  }
  return true;
}

}  // namespace

bool S3Frontend::Call::has(std::string_view name) const {
  for (const auto& [k, v] : query) {
    if (k == name) return true;
  }
  return false;
}

const std::string* S3Frontend::Call::param(std::string_view name) const {
  for (const auto& [k, v] : query) {
    if (k == name) return &v;
  }
  return nullptr;
}

std::string S3Frontend::Call::header(std::string_view name) const {
  return std::string(request()[boost::beast::string_view(name.data(), name.size())]);
}

net::Response S3Frontend::Call::base_response(int status) const {
  net::Response response{static_cast<http::status>(status), request().version()};
  return response;
}

void S3Frontend::Call::reply(net::Response response) {
  server::stamp_common_headers(response, "s3", rest.context.request_id);
  if (request().method() == http::verb::head) {
    // HEAD answers carry the length of what GET would send, and no body.
    auto length = response.body().size();
    response.body().clear();
    if (!response.count(http::field::content_length)) response.content_length(length);
  } else if (!response.count(http::field::content_length) || response.body().size() > 0) {
    response.prepare_payload();
  }
  if (metrics) {
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - rest.started).count();
    metrics->record("s3", operation.empty() ? "unknown" : operation, static_cast<int>(response.result_int()),
                    seconds);
  }
  rest.respond(std::move(response));
}

void S3Frontend::Call::reply_file(net::FileResponse response) {
  response.set(http::field::date, http_date(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                std::chrono::system_clock::now().time_since_epoch())
                                                .count()));
  response.set("x-amz-request-id", rest.context.request_id);
  response.set("x-amz-id-2", rest.context.request_id);
  response.prepare_payload();
  if (metrics) {
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - rest.started).count();
    metrics->record("s3", operation, static_cast<int>(response.result_int()), seconds);
  }
  rest.respond(std::move(response));
}

void S3Frontend::Call::reply_error(const ServiceError& error) {
  auto response = base_response(error.http_status);
  if (request().method() != http::verb::head) {
    protocol::XmlWriter xml;
    xml.str() = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    xml.open("Error");
    xml.element("Code", error.code);
    xml.element("Message", error.message);
    if (!address.bucket.empty() &&
        (error.code == "NoSuchBucket" || error.code == "BucketAlreadyExists" ||
         error.code == "BucketAlreadyOwnedByYou" || error.code == "BucketNotEmpty" ||
         error.code == "NoSuchBucketPolicy" || error.code == "InvalidBucketName")) {
      xml.element("BucketName", address.bucket);
    }
    if (error.code == "NoSuchKey") xml.element("Key", address.key);
    xml.element("Resource", path);
    xml.element("RequestId", rest.context.request_id);
    xml.element("HostId", rest.context.request_id);
    xml.close("Error");
    response.set(http::field::content_type, "application/xml");
    response.body() = std::move(xml.str());
  }
  spdlog::debug("{} s3 {} -> {} {}", rest.context.request_id, operation, error.code, error.message);
  reply(std::move(response));
}

void S3Frontend::Call::reply_xml(std::string body, int status) {
  auto response = base_response(status);
  response.set(http::field::content_type, "application/xml");
  response.body() = std::move(body);
  reply(std::move(response));
}

void S3Frontend::Call::reply_empty(int status) {
  auto response = base_response(status);
  response.content_length(0);
  reply(std::move(response));
}

S3Frontend::S3Frontend(S3Engine& engine, server::Metrics* metrics) : engine_(engine), metrics_(metrics) {}
S3Frontend::~S3Frontend() = default;

bool S3Frontend::streams_body(const net::RequestHeader& header) const {
  if (header.method() != http::verb::put) return false;
  auto parts = auth::detail::split_target(header.target());
  auto address = resolve_address(header[http::field::host], parts.path);
  if (address.bucket.empty() || address.key.empty()) return false;
  return is_upload_target(header.target(), header.count("x-amz-copy-source") > 0);
}

std::shared_ptr<net::BodySink> S3Frontend::body_sink(const net::RequestHeader& header) {
  if (!streams_body(header)) return nullptr;
  return std::make_shared<UploadSink>(engine_.new_temp_path(), header);
}

void S3Frontend::handle(server::RestCall rest) {
  auto call = std::make_shared<Call>();
  call->rest = std::move(rest);
  call->engine = &engine_;
  call->metrics = metrics_;
  auto parts = auth::detail::split_target(call->request().target());
  call->path = std::string(parts.path);
  call->query = auth::detail::parse_query(parts.query);
  call->address = resolve_address(call->request()[http::field::host], parts.path);
  call->operation = resolve_operation(*call);
  if (call->operation.empty()) return call->reply_error(errors::not_implemented());
  if (call->address.key.size() > kMaxKeyBytes) {
    return call->reply_error(errors::make("KeyTooLongError", "Your key is too long", 400));
  }
  const auto& op = call->operation;
  if (op == "CreateMultipartUpload" || op == "UploadPart" || op == "UploadPartCopy" ||
      op == "CompleteMultipartUpload" || op == "AbortMultipartUpload" || op == "ListParts" ||
      op == "ListMultipartUploads") {
    return handle_multipart_operation(call);
  }
  if (call->address.key.empty()) return handle_bucket_operation(call);
  handle_object_operation(call);
}

protocol::XmlWriter xml_document(std::string_view root) {
  protocol::XmlWriter xml;
  xml.str() = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  xml.open(root, kXmlns);
  return xml;
}

}  // namespace fanout::services::s3
