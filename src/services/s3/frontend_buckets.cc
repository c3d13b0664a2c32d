// Bucket-level operations: create/delete/head/list buckets, location, policy, tagging,
// object listings (V1 and V2) and DeleteObjects.
#include <algorithm>
#include <charconv>

#include "common/crypto.h"
#include "common/iso8601.h"
#include "common/percent_encoding.h"
#include "protocol/xml_writer.h"
#include "services/s3/checksums.h"
#include "services/s3/frontend_internal.h"
#include "services/s3/s3_error.h"
#include "services/s3/s3_xml.h"

namespace fanout::services::s3 {

namespace http = net::http;
using protocol::ServiceError;
using protocol::XmlWriter;

namespace {

void write_owner(XmlWriter& xml, const std::string& account) {
  xml.open("Owner");
  xml.element("ID", account);
  xml.element("DisplayName", account);
  xml.close("Owner");
}

void write_tag_set(XmlWriter& xml, const Tags& tags) {
  xml.open("TagSet");
  for (const auto& [k, v] : tags) {
    xml.open("Tag");
    xml.element("Key", k);
    xml.element("Value", v);
    xml.close("Tag");
  }
  xml.close("TagSet");
}

std::optional<int> parse_max_keys(const std::string& text) {
  int value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || value < 0) return std::nullopt;
  return std::min(value, 1000);
}

void list_objects(const CallPtr& call, bool v2) {
  ListQuery query;
  auto get = [&](std::string_view name) { return call->param(name) ? *call->param(name) : std::string(); };
  query.prefix = get("prefix");
  query.delimiter = get("delimiter");
  bool url = false;
  if (auto* encoding = call->param("encoding-type")) {
    if (*encoding != "url")
      return call->reply_error(errors::invalid_argument("Invalid Encoding Method specified in Request"));
    url = true;
  }
  if (auto* max = call->param("max-keys")) {
    auto parsed = parse_max_keys(*max);
    if (!parsed)
      return call->reply_error(
          errors::invalid_argument("Provided max-keys not an integer or within integer range"));
    query.max_keys = *parsed;
  }
  std::string token;
  if (v2) {
    if (auto* t = call->param("continuation-token")) {
      auto decoded = crypto::base64_decode(*t);
      if (!decoded || !decoded->starts_with("fo1:")) {
        return call->reply_error(errors::invalid_argument("The continuation token provided is incorrect"));
      }
      token = *t;
      query.start_after = decoded->substr(4);
    } else {
      query.start_after = get("start-after");
    }
  } else {
    query.start_after = get("marker");
  }
  auto outcome = call->engine->list_objects(call->account(), call->address.bucket, query);
  if (auto* err = std::get_if<ServiceError>(&outcome)) return call->reply_error(*err);
  const auto& result = std::get<ListResult>(outcome);
  auto enc = [url](const std::string& text) { return url ? percent_encoding::encode(text, true) : text; };

  auto xml = xml_document("ListBucketResult");
  xml.element("Name", call->address.bucket);
  xml.element("Prefix", enc(query.prefix));
  if (v2) {
    if (!token.empty()) xml.element("ContinuationToken", token);
    if (call->param("start-after")) xml.element("StartAfter", enc(get("start-after")));
    xml.element("KeyCount", std::to_string(result.objects.size() + result.common_prefixes.size()));
  } else {
    xml.element("Marker", enc(query.start_after));
  }
  xml.element("MaxKeys", std::to_string(query.max_keys));
  if (!query.delimiter.empty()) xml.element("Delimiter", enc(query.delimiter));
  if (url) xml.element("EncodingType", "url");
  xml.element("IsTruncated", result.truncated ? "true" : "false");
  if (result.truncated) {
    if (v2) {
      xml.element("NextContinuationToken", crypto::base64_encode("fo1:" + result.next_marker));
    } else if (!query.delimiter.empty()) {
      xml.element("NextMarker", enc(result.next_marker));
    }
  }
  const bool owner = !v2 || (call->param("fetch-owner") && *call->param("fetch-owner") == "true");
  for (const auto& meta : result.objects) {
    xml.open("Contents");
    xml.element("Key", enc(meta.key));
    xml.element("LastModified", iso8601_ms(meta.last_modified_ms));
    xml.element("ETag", meta.etag);
    for (const auto& [algorithm, value] : meta.checksums) xml.element("ChecksumAlgorithm", algorithm);
    xml.element("Size", std::to_string(meta.size));
    if (owner) write_owner(xml, call->account());
    xml.element("StorageClass",
                meta.attributes.storage_class.empty() ? "STANDARD" : meta.attributes.storage_class);
    xml.close("Contents");
  }
  for (const auto& prefix : result.common_prefixes) {
    xml.open("CommonPrefixes");
    xml.element("Prefix", enc(prefix));
    xml.close("CommonPrefixes");
  }
  xml.close("ListBucketResult");
  call->reply_xml(std::move(xml.str()));
}

void create_bucket(const CallPtr& call) {
  auto constraint = parse_create_bucket_configuration(call->request().body());
  if (!constraint) return call->reply_error(errors::malformed_xml());
  const std::string& endpoint_region = call->rest.context.region;
  std::string region = constraint->empty() ? endpoint_region : *constraint;
  if (*constraint == "us-east-1") {
    return call->reply_error(
        errors::make("InvalidLocationConstraint", "The specified location-constraint is not valid", 400));
  }
  if (!constraint->empty() && endpoint_region != "us-east-1" && *constraint != endpoint_region) {
    return call->reply_error(errors::make(
        "IllegalLocationConstraintException",
        "The " + *constraint +
            " location constraint is incompatible for the region specific endpoint this request was sent to.",
        400));
  }
  if (auto err = call->engine->create_bucket(call->account(), call->address.bucket, region))
    return call->reply_error(*err);
  auto response = call->base_response(200);
  response.set(http::field::location, "/" + call->address.bucket);
  response.content_length(0);
  call->reply(std::move(response));
}

void delete_objects(const CallPtr& call) {
  const auto& body = call->request().body();
  bool has_checksum = call->request().count("content-md5") > 0;
  for (const auto& field : call->request()) {
    std::string name(field.name_string());
    for (auto& c : name) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
    if (name.starts_with("x-amz-checksum-") && name != "x-amz-checksum-mode") has_checksum = true;
  }
  if (!has_checksum) {
    return call->reply_error(
        errors::make("InvalidRequest", "Missing required header for this request: Content-Md5", 400));
  }
  if (auto md5 = call->header("content-md5"); !md5.empty()) {
    auto declared = crypto::base64_decode(md5);
    if (!declared || declared->size() != 16) {
      return call->reply_error(
          errors::make("InvalidDigest", "The Content-MD5 you specified was invalid.", 400));
    }
    if (*declared != crypto::md5(body)) {
      return call->reply_error(
          errors::make("BadDigest", "The Content-MD5 you specified did not match what we received.", 400));
    }
  }
  auto parsed = parse_delete_objects(body);
  if (!parsed) return call->reply_error(errors::malformed_xml());
  if (auto err = call->engine->check_bucket(call->account(), call->address.bucket))
    return call->reply_error(*err);
  auto xml = xml_document("DeleteResult");
  for (const auto& key : parsed->keys) {
    auto err = key.size() > 1024 ? std::optional(errors::make("KeyTooLongError", "Your key is too long", 400))
                                 : call->engine->delete_object(call->account(), call->address.bucket, key);
    if (err) {
      xml.open("Error");
      xml.element("Key", key);
      xml.element("Code", err->code);
      xml.element("Message", err->message);
      xml.close("Error");
    } else if (!parsed->quiet) {
      xml.open("Deleted");
      xml.element("Key", key);
      xml.close("Deleted");
    }
  }
  xml.close("DeleteResult");
  call->reply_xml(std::move(xml.str()));
}

}  // namespace

void handle_bucket_operation(const CallPtr& call) {
  auto& engine = *call->engine;
  const auto& op = call->operation;
  const auto& account = call->account();
  const auto& bucket = call->address.bucket;

  if (op == "ListBuckets") {
    auto xml = xml_document("ListAllMyBucketsResult");
    write_owner(xml, account);
    xml.open("Buckets");
    for (const auto& b : engine.list_buckets(account)) {
      xml.open("Bucket");
      xml.element("Name", b.name);
      xml.element("CreationDate", iso8601_ms(b.created_ms));
      xml.element("BucketRegion", b.region);
      xml.close("Bucket");
    }
    xml.close("Buckets");
    xml.close("ListAllMyBucketsResult");
    return call->reply_xml(std::move(xml.str()));
  }
  if (op == "CreateBucket") return create_bucket(call);
  if (op == "DeleteBucket") {
    if (auto err = engine.delete_bucket(account, bucket)) return call->reply_error(*err);
    return call->reply_empty(204);
  }
  if (op == "HeadBucket") {
    auto region = engine.bucket_region(account, bucket);
    if (auto* err = std::get_if<ServiceError>(&region)) return call->reply_error(*err);
    auto response = call->base_response(200);
    response.set("x-amz-bucket-region", std::get<std::string>(region));
    response.set(http::field::content_type, "application/xml");
    response.content_length(0);
    return call->reply(std::move(response));
  }
  if (op == "GetBucketLocation") {
    auto region = engine.bucket_region(account, bucket);
    if (auto* err = std::get_if<ServiceError>(&region)) return call->reply_error(*err);
    XmlWriter xml;
    xml.str() = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    // us-east-1 is the empty constraint, as on AWS.
    auto& name = std::get<std::string>(region);
    if (name == "us-east-1") {
      xml.str() += "<LocationConstraint xmlns=\"" + std::string(kXmlns) + "\"/>";
    } else {
      xml.open("LocationConstraint", kXmlns);
      xml.str() += name;
      xml.close("LocationConstraint");
    }
    return call->reply_xml(std::move(xml.str()));
  }
  if (op == "GetBucketVersioning") {
    if (auto err = engine.check_bucket(account, bucket)) return call->reply_error(*err);
    // Versioning is never enabled on fanoutd's buckets: S3 answers an empty configuration.
    return call->reply_xml("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<VersioningConfiguration xmlns=\"" +
                           std::string(kXmlns) + "\"/>");
  }
  if (op == "ListObjects" || op == "ListObjectsV2") return list_objects(call, op == "ListObjectsV2");
  if (op == "DeleteObjects") return delete_objects(call);
  if (op == "PutBucketPolicy") {
    if (auto err = engine.put_bucket_policy(account, bucket, call->request().body()))
      return call->reply_error(*err);
    return call->reply_empty(204);
  }
  if (op == "GetBucketPolicy") {
    auto policy = engine.get_bucket_policy(account, bucket);
    if (auto* err = std::get_if<ServiceError>(&policy)) return call->reply_error(*err);
    auto response = call->base_response(200);
    response.set(http::field::content_type, "application/json");
    response.body() = std::move(std::get<std::string>(policy));
    return call->reply(std::move(response));
  }
  if (op == "DeleteBucketPolicy") {
    if (auto err = engine.delete_bucket_policy(account, bucket)) return call->reply_error(*err);
    return call->reply_empty(204);
  }
  if (op == "PutBucketTagging") {
    auto tags = parse_tagging(call->request().body());
    if (!tags) return call->reply_error(errors::malformed_xml());
    if (auto err = validate_tags(*tags, 50)) return call->reply_error(*err);
    if (auto err = engine.put_bucket_tagging(account, bucket, std::move(*tags)))
      return call->reply_error(*err);
    return call->reply_empty(204);
  }
  if (op == "GetBucketTagging") {
    auto tags = engine.get_bucket_tagging(account, bucket);
    if (auto* err = std::get_if<ServiceError>(&tags)) return call->reply_error(*err);
    auto xml = xml_document("Tagging");
    write_tag_set(xml, std::get<Tags>(tags));
    xml.close("Tagging");
    return call->reply_xml(std::move(xml.str()));
  }
  if (op == "DeleteBucketTagging") {
    if (auto err = engine.put_bucket_tagging(account, bucket, {})) return call->reply_error(*err);
    return call->reply_empty(204);
  }
  call->reply_error(errors::not_implemented());
}

}  // namespace fanout::services::s3
