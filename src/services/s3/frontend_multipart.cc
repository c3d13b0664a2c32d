// Multipart upload operations.
#include <charconv>

#include "common/iso8601.h"
#include "common/percent_encoding.h"
#include "protocol/xml_writer.h"
#include "services/s3/frontend_internal.h"
#include "services/s3/part_number.h"
#include "services/s3/s3_error.h"
#include "services/s3/s3_xml.h"

namespace fanout::services::s3 {

namespace http = net::http;
using protocol::ServiceError;
using protocol::XmlWriter;

namespace {

std::optional<int> part_number(const S3Frontend::Call& call) {
  auto* text = call.param("partNumber");
  if (!text) return std::nullopt;
  return parse_part_number(*text);
}

ServiceError bad_part_number() {
  return errors::invalid_argument("Part number must be an integer between 1 and 10000, inclusive");
}

std::string upload_id(const S3Frontend::Call& call) {
  auto* id = call.param("uploadId");
  return id ? *id : std::string();
}

}  // namespace

void handle_multipart_operation(const CallPtr& call) {
  auto& engine = *call->engine;
  const auto& op = call->operation;
  const auto& account = call->account();
  const auto& bucket = call->address.bucket;
  const auto& key = call->address.key;

  if (op == "ListMultipartUploads") {
    auto uploads = engine.list_multipart_uploads(account, bucket);
    if (auto* err = std::get_if<ServiceError>(&uploads)) return call->reply_error(*err);
    auto* prefix = call->param("prefix");
    auto xml = xml_document("ListMultipartUploadsResult");
    xml.element("Bucket", bucket);
    xml.element("KeyMarker", "");
    xml.element("UploadIdMarker", "");
    if (prefix) xml.element("Prefix", *prefix);
    xml.element("MaxUploads", "1000");
    xml.element("IsTruncated", "false");
    for (const auto& u : std::get<std::vector<UploadSummary>>(uploads)) {
      if (prefix && !u.key.starts_with(*prefix)) continue;
      xml.open("Upload");
      xml.element("Key", u.key);
      xml.element("UploadId", u.upload_id);
      xml.open("Initiator");
      xml.element("ID", account);
      xml.element("DisplayName", account);
      xml.close("Initiator");
      xml.open("Owner");
      xml.element("ID", account);
      xml.element("DisplayName", account);
      xml.close("Owner");
      xml.element("StorageClass", "STANDARD");
      xml.element("Initiated", iso8601_ms(u.initiated_ms));
      xml.close("Upload");
    }
    xml.close("ListMultipartUploadsResult");
    return call->reply_xml(std::move(xml.str()));
  }
  if (op == "CreateMultipartUpload") {
    std::optional<ServiceError> error;
    auto attributes = attributes_from_headers(*call, error);
    if (error) return call->reply_error(*error);
    auto id = engine.create_multipart_upload(account, bucket, key, attributes);
    if (auto* err = std::get_if<ServiceError>(&id)) return call->reply_error(*err);
    auto xml = xml_document("InitiateMultipartUploadResult");
    xml.element("Bucket", bucket);
    xml.element("Key", key);
    xml.element("UploadId", std::get<std::string>(id));
    xml.close("InitiateMultipartUploadResult");
    auto response = call->base_response(200);
    response.set(http::field::content_type, "application/xml");
    if (!attributes.checksum_algorithm.empty())
      response.set("x-amz-checksum-algorithm", attributes.checksum_algorithm);
    response.body() = std::move(xml.str());
    return call->reply(std::move(response));
  }
  if (op == "UploadPart") {
    auto number = part_number(*call);
    if (!number) return call->reply_error(bad_part_number());
    auto staged = take_upload(call);
    if (auto* err = std::get_if<ServiceError>(&staged)) return call->reply_error(*err);
    auto body = std::move(std::get<StagedBody>(staged));
    auto checksums = body.checksums;
    return engine.upload_part(account, bucket, key, upload_id(*call), *number, std::move(body),
                              [call, checksums](Outcome<PartSummary> outcome) {
                                if (auto* err = std::get_if<ServiceError>(&outcome))
                                  return call->reply_error(*err);
                                auto response = call->base_response(200);
                                response.set(http::field::etag, std::get<PartSummary>(outcome).etag);
                                set_checksum_headers(response, checksums);
                                response.content_length(0);
                                call->reply(std::move(response));
                              });
  }
  if (op == "UploadPartCopy") {
    auto number = part_number(*call);
    if (!number) return call->reply_error(bad_part_number());
    std::string source = call->header("x-amz-copy-source");
    if (auto q = source.find('?'); q != std::string::npos) source.resize(q);
    source = percent_encoding::decode_lenient(source, false);
    if (source.starts_with("/")) source.erase(0, 1);
    auto slash = source.find('/');
    if (slash == std::string::npos || slash == 0 || slash + 1 == source.size()) {
      return call->reply_error(errors::invalid_argument("Invalid copy source object key"));
    }
    std::optional<std::pair<std::uint64_t, std::uint64_t>> range;
    if (auto text = call->header("x-amz-copy-source-range"); !text.empty()) {
      std::uint64_t first = 0, last = 0;
      auto spec = std::string_view(text);
      auto dash = spec.find('-');
      bool ok = spec.starts_with("bytes=") && dash != std::string_view::npos;
      if (ok) {
        auto a = spec.substr(6, dash - 6), b = spec.substr(dash + 1);
        ok = std::from_chars(a.data(), a.data() + a.size(), first).ptr == a.data() + a.size() && !a.empty() &&
             std::from_chars(b.data(), b.data() + b.size(), last).ptr == b.data() + b.size() && !b.empty();
      }
      if (!ok) {
        return call->reply_error(
            errors::invalid_argument("The x-amz-copy-source-range value must be of the form bytes=first-last "
                                     "where first and last are the "
                                     "zero-based offsets of the first and last bytes to copy"));
      }
      range = std::make_pair(first, last);
    }
    return engine.upload_part_copy(account, bucket, key, upload_id(*call), *number, source.substr(0, slash),
                                   source.substr(slash + 1), range, [call](Outcome<PartSummary> outcome) {
                                     if (auto* err = std::get_if<ServiceError>(&outcome))
                                       return call->reply_error(*err);
                                     const auto& part = std::get<PartSummary>(outcome);
                                     auto xml = xml_document("CopyPartResult");
                                     xml.element("LastModified", iso8601_ms(part.last_modified_ms));
                                     xml.element("ETag", part.etag);
                                     xml.close("CopyPartResult");
                                     call->reply_xml(std::move(xml.str()));
                                   });
  }
  if (op == "CompleteMultipartUpload") {
    auto parts = parse_complete_multipart(call->request().body());
    if (!parts) return call->reply_error(errors::malformed_xml());
    return engine.complete_multipart_upload(
        account, bucket, key, upload_id(*call), *parts, [call](Outcome<ObjectMeta> outcome) {
          if (auto* err = std::get_if<ServiceError>(&outcome)) return call->reply_error(*err);
          const auto& meta = std::get<ObjectMeta>(outcome);
          auto xml = xml_document("CompleteMultipartUploadResult");
          xml.element("Location", call->rest.context.scheme + "://" + call->rest.context.host + "/" +
                                      call->address.bucket + "/" +
                                      percent_encoding::encode(call->address.key, true));
          xml.element("Bucket", call->address.bucket);
          xml.element("Key", call->address.key);
          xml.element("ETag", meta.etag);
          xml.close("CompleteMultipartUploadResult");
          call->reply_xml(std::move(xml.str()));
        });
  }
  if (op == "AbortMultipartUpload") {
    if (auto err = engine.abort_multipart_upload(account, bucket, key, upload_id(*call)))
      return call->reply_error(*err);
    return call->reply_empty(204);
  }
  if (op == "ListParts") {
    auto parts = engine.list_parts(account, bucket, key, upload_id(*call));
    if (auto* err = std::get_if<ServiceError>(&parts)) return call->reply_error(*err);
    auto xml = xml_document("ListPartsResult");
    xml.element("Bucket", bucket);
    xml.element("Key", key);
    xml.element("UploadId", upload_id(*call));
    xml.element("PartNumberMarker", "0");
    const auto& list = std::get<std::vector<PartSummary>>(parts);
    xml.element("NextPartNumberMarker", list.empty() ? "0" : std::to_string(list.back().part_number));
    xml.element("MaxParts", "1000");
    xml.element("IsTruncated", "false");
    for (const auto& part : list) {
      xml.open("Part");
      xml.element("PartNumber", std::to_string(part.part_number));
      xml.element("LastModified", iso8601_ms(part.last_modified_ms));
      xml.element("ETag", part.etag);
      xml.element("Size", std::to_string(part.size));
      for (const auto& [algorithm, value] : part.checksums) xml.element("Checksum" + algorithm, value);
      xml.close("Part");
    }
    xml.element("StorageClass", "STANDARD");
    xml.close("ListPartsResult");
    return call->reply_xml(std::move(xml.str()));
  }
  call->reply_error(errors::not_implemented());
}

}  // namespace fanout::services::s3
