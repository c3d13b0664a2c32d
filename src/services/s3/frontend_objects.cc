// Object operations: PutObject, GetObject, HeadObject, DeleteObject, CopyObject and object
// tagging, with the header handling they share (attributes, checksums, conditionals, ranges).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <set>

#include "auth/uri_encoding.h"
#include "common/ascii_text.h"
#include "common/crypto.h"
#include "common/iso8601.h"
#include "common/percent_encoding.h"
#include "protocol/xml_writer.h"
#include "services/s3/aws_chunked.h"
#include "services/s3/checksums.h"
#include "services/s3/frontend_internal.h"
#include "services/s3/s3_error.h"
#include "services/s3/s3_xml.h"
#include "services/s3/upload_sink.h"

namespace fanout::services::s3 {

namespace http = net::http;
using protocol::ServiceError;

namespace {

constexpr std::size_t kMaxUserMetadataBytes = 2048;
constexpr std::uint64_t kMaxSinglePutBytes = 5ull << 30;  // PutObject and UploadPart
constexpr std::array<std::string_view, 5> kChecksumAlgorithms = {"CRC32", "CRC32C", "CRC64NVME", "SHA1",
                                                                 "SHA256"};
constexpr std::array<std::string_view, 7> kStorageClasses = {
    "STANDARD",   "REDUCED_REDUNDANCY", "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING",
    "GLACIER_IR", "DEEP_ARCHIVE"};

ServiceError precondition_failed() {
  return errors::make("PreconditionFailed", "At least one of the pre-conditions you specified did not hold",
                      412);
}

// "If-Match: \"a\", \"b\"" / "*" against an ETag.
bool etag_matches(std::string_view list, const std::string& etag) {
  std::string want = unquoted(etag);
  std::size_t start = 0;
  while (start <= list.size()) {
    auto comma = list.find(',', start);
    auto item = ascii::trim(
        list.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
    if (item == "*" || unquoted(item) == want) return true;
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return false;
}

// 0: proceed; 304 or 412 otherwise.
int evaluate_conditionals(const S3Frontend::Call& call, const ObjectMeta& meta) {
  const std::int64_t modified_s = meta.last_modified_ms / 1000;
  auto if_match = call.header("if-match");
  auto if_none_match = call.header("if-none-match");
  if (!if_match.empty()) {
    if (!etag_matches(if_match, meta.etag)) return 412;
  } else if (auto since = parse_http_date_ms(call.header("if-unmodified-since"))) {
    if (modified_s > *since / 1000) return 412;
  }
  if (!if_none_match.empty()) {
    if (etag_matches(if_none_match, meta.etag)) return 304;
  } else if (auto since = parse_http_date_ms(call.header("if-modified-since"))) {
    if (modified_s <= *since / 1000) return 304;
  }
  return 0;
}

struct ByteRange {
  std::uint64_t first = 0, last = 0;
};

// nullopt: no usable Range (ignored, as S3 ignores a malformed one); error: unsatisfiable.
std::variant<std::monostate, ByteRange, ServiceError> parse_range(std::string_view header,
                                                                  std::uint64_t size) {
  if (!header.starts_with("bytes=")) return std::monostate{};
  auto spec = header.substr(6);
  if (spec.find(',') != std::string_view::npos) return std::monostate{};  // multiple ranges: whole object
  auto dash = spec.find('-');
  if (dash == std::string_view::npos) return std::monostate{};
  auto number = [](std::string_view text) -> std::optional<std::uint64_t> {
    if (text.empty() || text.size() > 19) return std::nullopt;
    std::uint64_t v = 0;
    for (char c : text) {
      if (c < '0' || c > '9') return std::nullopt;
      v = v * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return v;
  };
  auto first_text = spec.substr(0, dash), last_text = spec.substr(dash + 1);
  auto unsatisfiable = [&] {
    return errors::make("InvalidRange", "The requested range is not satisfiable", 416);
  };
  if (first_text.empty()) {
    auto suffix = number(last_text);
    if (!suffix) return std::monostate{};
    if (*suffix == 0 || size == 0) return unsatisfiable();
    auto n = std::min(*suffix, size);
    return ByteRange{size - n, size - 1};
  }
  auto first = number(first_text);
  if (!first) return std::monostate{};
  std::uint64_t last = size == 0 ? 0 : size - 1;
  if (!last_text.empty()) {
    auto parsed = number(last_text);
    if (!parsed || *parsed < *first) return std::monostate{};
    last = std::min(*parsed, last);
  }
  if (*first >= size) return unsatisfiable();
  return ByteRange{*first, last};
}

template <class Fields>
void set_object_headers(Fields& fields, const S3Frontend::Call& call, const ObjectMeta& meta) {
  const auto& a = meta.attributes;
  fields.set(http::field::etag, meta.etag);
  fields.set(http::field::last_modified, http_date(meta.last_modified_ms));
  fields.set(http::field::accept_ranges, "bytes");
  auto override_or = [&](const char* param, const std::string& value) -> std::string {
    auto* p = call.param(param);
    return p ? *p : value;
  };
  auto content_type =
      override_or("response-content-type", a.content_type.empty() ? "binary/octet-stream" : a.content_type);
  fields.set(http::field::content_type, content_type);
  auto set_if = [&](http::field field, const char* param, const std::string& value) {
    auto v = override_or(param, value);
    if (!v.empty()) fields.set(field, v);
  };
  set_if(http::field::content_encoding, "response-content-encoding", a.content_encoding);
  set_if(http::field::content_disposition, "response-content-disposition", a.content_disposition);
  set_if(http::field::content_language, "response-content-language", a.content_language);
  set_if(http::field::cache_control, "response-cache-control", a.cache_control);
  set_if(http::field::expires, "response-expires", a.expires);
  for (const auto& [name, value] : a.user_metadata) fields.set("x-amz-meta-" + name, value);
  if (!a.storage_class.empty() && a.storage_class != "STANDARD")
    fields.set("x-amz-storage-class", a.storage_class);
  if (!a.tags.empty()) fields.set("x-amz-tagging-count", std::to_string(a.tags.size()));
  if (meta.parts_count > 0 && call.param("partNumber"))
    fields.set("x-amz-mp-parts-count", std::to_string(meta.parts_count));
}

void get_object(const CallPtr& call) {
  const bool head = call->request().method() == http::verb::head;
  ObjectMeta meta;
  net::SharedFd file;
  // An overwrite may rename a new file in between reading the metadata and opening the file;
  // retry until both describe the same version.
  for (int attempt = 0;; ++attempt) {
    auto outcome = call->engine->head_object(call->account(), call->address.bucket, call->address.key);
    if (auto* err = std::get_if<ServiceError>(&outcome)) return call->reply_error(*err);
    meta = std::move(std::get<ObjectMeta>(outcome));
    if (head) break;
    int fd = ::open(call->engine->object_file(call->account(), call->address.bucket, meta).c_str(),
                    O_RDONLY | O_CLOEXEC);
    struct stat st {};
    if (fd >= 0 && ::fstat(fd, &st) == 0 && static_cast<std::uint64_t>(st.st_size) == meta.size) {
      file = net::SharedFd(fd);
      break;
    }
    if (fd >= 0) ::close(fd);
    if (attempt == 3) return call->reply_error(errors::no_such_key());
  }
  if (int verdict = evaluate_conditionals(*call, meta)) {
    if (verdict == 412) return call->reply_error(precondition_failed());
    auto response = call->base_response(304);
    response.set(http::field::etag, meta.etag);
    response.set(http::field::last_modified, http_date(meta.last_modified_ms));
    return call->reply(std::move(response));
  }
  std::uint64_t offset = 0, length = meta.size;
  int status = 200;
  if (auto range_header = call->header("range"); !range_header.empty()) {
    auto range = parse_range(range_header, meta.size);
    if (auto* err = std::get_if<ServiceError>(&range)) return call->reply_error(*err);
    if (auto* r = std::get_if<ByteRange>(&range)) {
      offset = r->first;
      length = r->last - r->first + 1;
      status = 206;
    }
  }
  const bool checksums = ascii::lower(call->header("x-amz-checksum-mode")) == "enabled" && status == 200;
  if (head) {
    auto response = call->base_response(status);
    set_object_headers(response, *call, meta);
    if (checksums) set_checksum_headers(response, meta.checksums);
    if (status == 206) {
      response.set(http::field::content_range, "bytes " + std::to_string(offset) + "-" +
                                                   std::to_string(offset + length - 1) + "/" +
                                                   std::to_string(meta.size));
    }
    response.content_length(length);
    return call->reply(std::move(response));
  }
  net::FileResponse response{static_cast<http::status>(status), call->request().version()};
  set_object_headers(response, *call, meta);
  if (checksums) {
    for (const auto& [algorithm, value] : meta.checksums) response.set(checksum_header(algorithm), value);
  }
  if (status == 206) {
    response.set(http::field::content_range, "bytes " + std::to_string(offset) + "-" +
                                                 std::to_string(offset + length - 1) + "/" +
                                                 std::to_string(meta.size));
  }
  response.body() = net::FileRangeBody::value_type{std::move(file), offset, length};
  call->reply_file(std::move(response));
}

void put_object(const CallPtr& call) {
  std::optional<ServiceError> error;
  auto attributes = attributes_from_headers(*call, error);
  if (error) return call->reply_error(*error);
  auto staged = take_upload(call);
  if (auto* err = std::get_if<ServiceError>(&staged)) return call->reply_error(*err);
  if (call->header("if-none-match") == "*") {
    auto existing = call->engine->head_object(call->account(), call->address.bucket, call->address.key);
    if (std::holds_alternative<ObjectMeta>(existing)) return call->reply_error(precondition_failed());
  }
  auto body = std::move(std::get<StagedBody>(staged));
  auto checksums = body.checksums;
  call->engine->put_object(call->account(), call->address.bucket, call->address.key, std::move(body),
                           std::move(attributes), [call, checksums](Outcome<ObjectMeta> outcome) {
                             if (auto* err = std::get_if<ServiceError>(&outcome))
                               return call->reply_error(*err);
                             auto response = call->base_response(200);
                             response.set(http::field::etag, std::get<ObjectMeta>(outcome).etag);
                             set_checksum_headers(response, checksums);
                             response.content_length(0);
                             call->reply(std::move(response));
                           });
}

void copy_object(const CallPtr& call) {
  std::string source = call->header("x-amz-copy-source");
  if (auto q = source.find('?'); q != std::string::npos) source.resize(q);
  source = percent_encoding::decode_lenient(source, false);
  if (source.starts_with("/")) source.erase(0, 1);
  auto slash = source.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == source.size()) {
    return call->reply_error(errors::invalid_argument("Invalid copy source object key"));
  }
  std::string src_bucket = source.substr(0, slash), src_key = source.substr(slash + 1);
  auto directive = call->header("x-amz-metadata-directive");
  if (!directive.empty() && directive != "COPY" && directive != "REPLACE") {
    return call->reply_error(errors::invalid_argument("Unknown metadata directive."));
  }
  const bool replace = directive == "REPLACE";
  if (!replace && src_bucket == call->address.bucket && src_key == call->address.key &&
      call->header("x-amz-storage-class").empty()) {
    return call->reply_error(
        errors::make("InvalidRequest",
                     "This copy request is illegal because it is trying to copy an object to itself without "
                     "changing the object's "
                     "metadata, storage class, website redirect location or encryption attributes.",
                     400));
  }
  std::optional<ServiceError> error;
  auto attributes = attributes_from_headers(*call, error);
  if (error) return call->reply_error(*error);
  // Conditions on the source (x-amz-copy-source-if-*), evaluated as GetObject evaluates its own.
  auto src = call->engine->head_object(call->account(), src_bucket, src_key);
  if (auto* err = std::get_if<ServiceError>(&src)) return call->reply_error(*err);
  const auto& src_meta = std::get<ObjectMeta>(src);
  if (auto m = call->header("x-amz-copy-source-if-match"); !m.empty() && !etag_matches(m, src_meta.etag)) {
    return call->reply_error(precondition_failed());
  }
  if (auto m = call->header("x-amz-copy-source-if-none-match");
      !m.empty() && etag_matches(m, src_meta.etag)) {
    return call->reply_error(precondition_failed());
  }
  call->engine->copy_object(call->account(), src_bucket, src_key, call->address.bucket, call->address.key,
                            replace, std::move(attributes), [call](Outcome<ObjectMeta> outcome) {
                              if (auto* err = std::get_if<ServiceError>(&outcome))
                                return call->reply_error(*err);
                              const auto& meta = std::get<ObjectMeta>(outcome);
                              protocol::XmlWriter xml;
                              xml.str() = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
                              xml.open("CopyObjectResult", kXmlns);
                              xml.element("LastModified", iso8601_ms(meta.last_modified_ms));
                              xml.element("ETag", meta.etag);
                              for (const auto& [algorithm, value] : meta.checksums) {
                                xml.element("Checksum" + algorithm, value);
                              }
                              xml.close("CopyObjectResult");
                              call->reply_xml(std::move(xml.str()));
                            });
}

}  // namespace

std::string unquoted(std::string_view etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') etag = etag.substr(1, etag.size() - 2);
  return std::string(etag);
}

void set_checksum_headers(net::Response& response, const std::map<std::string, std::string>& checksums) {
  for (const auto& [algorithm, value] : checksums) response.set(checksum_header(algorithm), value);
}

std::optional<Tags> parse_tagging_header(std::string_view text) {
  Tags tags;
  if (text.empty()) return tags;
  for (const auto& [k, v] : auth::detail::parse_query(text)) tags.emplace_back(k, v);
  return tags;
}

std::optional<ServiceError> validate_tags(const Tags& tags, std::size_t max_tags) {
  if (tags.size() > max_tags) {
    return errors::make("BadRequest", "Object tags cannot be greater than " + std::to_string(max_tags), 400);
  }
  std::set<std::string> seen;
  for (const auto& [k, v] : tags) {
    if (k.empty() || k.size() > 128)
      return errors::make("InvalidTag", "The TagKey you have provided is invalid", 400);
    if (v.size() > 256) return errors::make("InvalidTag", "The TagValue you have provided is invalid", 400);
    if (!seen.insert(k).second) {
      return errors::make("InvalidTag", "Cannot provide multiple Tags with the same key", 400);
    }
  }
  return std::nullopt;
}

ObjectAttributes attributes_from_headers(const S3Frontend::Call& call, std::optional<ServiceError>& error) {
  ObjectAttributes a;
  const auto& request = call.request();
  a.content_type = std::string(request[http::field::content_type]);
  // aws-chunked is the transfer framing of the upload, not an encoding of the object.
  std::string encoding;
  std::string_view declared = request[http::field::content_encoding];
  std::size_t start = 0;
  while (start <= declared.size()) {
    auto comma = declared.find(',', start);
    auto item = ascii::trim(
        declared.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
    if (!item.empty() && item != "aws-chunked") encoding += (encoding.empty() ? "" : ",") + std::string(item);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  a.content_encoding = encoding;
  a.content_disposition = std::string(request[http::field::content_disposition]);
  a.content_language = std::string(request[http::field::content_language]);
  a.cache_control = std::string(request[http::field::cache_control]);
  a.expires = std::string(request[http::field::expires]);
  std::size_t metadata_bytes = 0;
  for (const auto& field : request) {
    auto name = ascii::lower(field.name_string());
    if (name.starts_with("x-amz-meta-")) {
      auto meta_name = name.substr(11);
      metadata_bytes += meta_name.size() + field.value().size();
      auto& slot = a.user_metadata[meta_name];
      // A repeated x-amz-meta- header: the values joined with commas.
      if (!slot.empty()) slot += ',';
      slot.append(field.value().data(), field.value().size());
    }
  }
  if (metadata_bytes > kMaxUserMetadataBytes) {
    error = errors::make("MetadataTooLarge", "Your metadata headers exceed the maximum allowed metadata size",
                         400);
    return a;
  }
  a.storage_class = std::string(request["x-amz-storage-class"]);
  if (!a.storage_class.empty() &&
      std::find(kStorageClasses.begin(), kStorageClasses.end(), a.storage_class) == kStorageClasses.end()) {
    error = errors::make("InvalidStorageClass", "The storage class you specified is not valid", 400);
    return a;
  }
  if (a.storage_class == "STANDARD") a.storage_class.clear();
  if (auto tagging = request["x-amz-tagging"]; !tagging.empty()) {
    auto tags = parse_tagging_header(tagging);
    if (!tags) {
      error = errors::invalid_argument(
          "The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters without "
          "tag name duplicates.");
      return a;
    }
    if (auto err = validate_tags(*tags, 10)) {
      error = err;
      return a;
    }
    a.tags = std::move(*tags);
  }
  if (auto algorithm = request["x-amz-checksum-algorithm"]; !algorithm.empty()) {
    auto name = checksum_algorithm_name(algorithm);
    if (!name) {
      error = errors::invalid_argument(
          "Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, "
          "CRC32C, CRC64NVME, SHA1, SHA256]");
      return a;
    }
    a.checksum_algorithm = *name;
  }
  return a;
}

std::variant<StagedBody, ServiceError> take_upload(const CallPtr& call) {
  auto sink = std::dynamic_pointer_cast<UploadSink>(call->rest.sink);
  if (!sink) {
    // A body the server buffered (e.g. an unsigned request routed before the front end saw it).
    sink = std::make_shared<UploadSink>(call->engine->new_temp_path(), call->request().base());
    sink->write(call->request().body().data(), call->request().body().size());
  }
  if (auto err = sink->finish()) return *err;
  if (sink->size() > kMaxSinglePutBytes) {
    return errors::make("EntityTooLarge", "Your proposed upload exceeds the maximum allowed size", 400);
  }
  const auto& request = call->request();
  std::string declared_sha = std::string(request["x-amz-content-sha256"]);
  const auto& digests = sink->digests();
  switch (sink->mode()) {
    case PayloadMode::plain:
      if (auto it = digests.find("SHA256");
          it != digests.end() && ascii::lower(declared_sha) != crypto::hex(it->second)) {
        return errors::make("XAmzContentSHA256Mismatch",
                            "The provided 'x-amz-content-sha256' header does not match what was computed.",
                            400);
      }
      break;
    case PayloadMode::chunked_signed:
    case PayloadMode::chunked_signed_trailer:
      if (call->rest.signature) {
        const auto& sig = *call->rest.signature;
        ChunkSigningContext context{sig.signing_key, sig.amz_date, sig.scope, sig.signature};
        if (auto failure = verify_chunk_signatures(context, *sink->decoder(),
                                                   sink->mode() == PayloadMode::chunked_signed_trailer)) {
          return errors::make(
              "SignatureDoesNotMatch",
              "The request signature we calculated does not match the signature you provided. Check "
              "your key and signing method.",
              403);
        }
      }
      break;
    case PayloadMode::chunked_unsigned_trailer:
      break;
  }
  if (auto md5 = std::string(request["content-md5"]); !md5.empty()) {
    auto declared = crypto::base64_decode(md5);
    if (!declared || declared->size() != 16) {
      return errors::make("InvalidDigest", "The Content-MD5 you specified was invalid.", 400);
    }
    if (*declared != sink->md5()) {
      return errors::make("BadDigest", "The Content-MD5 you specified did not match what we received.", 400);
    }
  }
  // Declared checksums: headers, or trailers of an aws-chunked body.
  std::map<std::string, std::string> declared;
  for (auto algorithm : kChecksumAlgorithms) {
    auto header = checksum_header(algorithm);
    if (auto value = request[header]; !value.empty()) declared[std::string(algorithm)] = std::string(value);
  }
  if (const auto* decoder = sink->decoder()) {
    for (const auto& [name, value] : decoder->trailers()) {
      if (!name.starts_with("x-amz-checksum-")) continue;
      auto algorithm = checksum_algorithm_name(name.substr(15));
      if (!algorithm)
        return errors::make("InvalidRequest",
                            "The value specified in the x-amz-trailer header is not supported", 400);
      declared[*algorithm] = value;
    }
  }
  if (declared.size() > 1) {
    return errors::make("InvalidRequest",
                        "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.",
                        400);
  }
  StagedBody body;
  std::map<std::string, std::string> validated;
  for (const auto& [algorithm, value] : declared) {
    auto it = digests.find(algorithm);
    auto raw = crypto::base64_decode(value);
    if (it == digests.end() || !raw || raw->size() != it->second.size()) {
      return errors::make("InvalidRequest", "Value for " + checksum_header(algorithm) + " header is invalid.",
                          400);
    }
    if (*raw != it->second) {
      return errors::make("BadDigest",
                          "The " + algorithm + " you specified did not match the calculated checksum.", 400);
    }
    validated[algorithm] = value;
  }
  body = sink->release();
  body.checksums = std::move(validated);
  return body;
}

void handle_object_operation(const CallPtr& call) {
  auto& engine = *call->engine;
  const auto& op = call->operation;
  const auto& account = call->account();
  const auto& bucket = call->address.bucket;
  const auto& key = call->address.key;
  if (op == "GetObject" || op == "HeadObject") return get_object(call);
  if (op == "PutObject") return put_object(call);
  if (op == "CopyObject") return copy_object(call);
  if (op == "DeleteObject") {
    if (auto err = engine.delete_object(account, bucket, key)) return call->reply_error(*err);
    return call->reply_empty(204);
  }
  if (op == "GetObjectTagging") {
    auto meta = engine.head_object(account, bucket, key);
    if (auto* err = std::get_if<ServiceError>(&meta)) return call->reply_error(*err);
    protocol::XmlWriter xml;
    xml.str() = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    xml.open("Tagging", kXmlns);
    xml.open("TagSet");
    for (const auto& [k, v] : std::get<ObjectMeta>(meta).attributes.tags) {
      xml.open("Tag");
      xml.element("Key", k);
      xml.element("Value", v);
      xml.close("Tag");
    }
    xml.close("TagSet");
    xml.close("Tagging");
    return call->reply_xml(std::move(xml.str()));
  }
  if (op == "PutObjectTagging") {
    auto tags = parse_tagging(call->request().body());
    if (!tags) return call->reply_error(errors::malformed_xml());
    if (auto err = validate_tags(*tags, 10)) return call->reply_error(*err);
    if (auto err = engine.put_object_tagging(account, bucket, key, std::move(*tags)))
      return call->reply_error(*err);
    return call->reply_empty(200);
  }
  if (op == "DeleteObjectTagging") {
    if (auto err = engine.put_object_tagging(account, bucket, key, {})) return call->reply_error(*err);
    return call->reply_empty(204);
  }
  call->reply_error(errors::not_implemented());
}

}  // namespace fanout::services::s3
