// State of one S3 request in the front end, shared by the frontend_*.cc files.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "net/http_handler.h"
#include "protocol/service_error.h"
#include "server/metrics.h"
#include "services/s3/s3_address.h"
#include "services/s3/s3_engine.h"
#include "services/s3/s3_frontend.h"

namespace fanout::protocol {
class XmlWriter;
}  // namespace fanout::protocol

namespace fanout::services::s3 {

class UploadSink;

struct S3Frontend::Call : std::enable_shared_from_this<S3Frontend::Call> {
  server::RestCall rest;
  S3Engine* engine = nullptr;
  server::Metrics* metrics = nullptr;
  S3Address address;
  std::string path;  // raw request path (the error's Resource)
  std::vector<std::pair<std::string, std::string>> query;
  std::string operation;

  const std::string& account() const { return rest.context.account_id; }
  const net::Request& request() const { return rest.request; }
  bool has(std::string_view name) const;
  const std::string* param(std::string_view name) const;
  std::string header(std::string_view name) const;

  // Responses: stamp S3's headers, record metrics, send.
  void reply(net::Response response);
  void reply_file(net::FileResponse response);
  void reply_error(const protocol::ServiceError& error);
  void reply_xml(std::string body, int status = 200);
  void reply_empty(int status);
  net::Response base_response(int status) const;
};

using CallPtr = std::shared_ptr<S3Frontend::Call>;

// S3's XML namespace, on the root element of every response document.
inline constexpr std::string_view kXmlns = "http://s3.amazonaws.com/doc/2006-03-01/";
// A response document: the XML declaration and the root element, open.
protocol::XmlWriter xml_document(std::string_view root);

// Operations, by area.
void handle_bucket_operation(const CallPtr& call);
void handle_object_operation(const CallPtr& call);
void handle_multipart_operation(const CallPtr& call);

// Helpers shared by the areas.
ObjectAttributes attributes_from_headers(const S3Frontend::Call& call,
                                         std::optional<protocol::ServiceError>& error);
std::optional<Tags> parse_tagging_header(std::string_view text);
std::optional<protocol::ServiceError> validate_tags(const Tags& tags, std::size_t max_tags);
// Validates a completed upload body (digests, signatures) and returns the staged body.
std::variant<StagedBody, protocol::ServiceError> take_upload(const CallPtr& call);
void set_checksum_headers(net::Response& response, const std::map<std::string, std::string>& checksums);
std::string unquoted(std::string_view etag);

}  // namespace fanout::services::s3
