#include "client/s3_client.h"

#include <pugixml.hpp>

#include "client/service_caller.h"
#include "client/wire_protocols.h"
#include "common/percent_encoding.h"

namespace fanout::client {
namespace {

std::string header_or_empty(const HttpResponse& response, std::string_view name) {
  const std::string* value = response.header(name);
  return value ? *value : std::string();
}

}  // namespace

S3Client::S3Client(const ClientConfig& config)
    : caller_(std::make_unique<ServiceCaller>(config, "s3", parse_xml_error)) {}
S3Client::~S3Client() = default;
S3Client::S3Client(S3Client&&) noexcept = default;

bool S3Client::path_style(const std::string& bucket) const {
  // Endpoint overrides take the bucket in the path; so do dotted names on AWS, whose virtual host
  // would not match the *.s3.amazonaws.com certificate (the SDKs fall back the same way).
  return caller_->endpoint().custom || bucket.find('.') != std::string::npos;
}

std::string S3Client::target(const std::string& bucket, const std::string& key) const {
  const std::string encoded_key =
      key.empty() ? std::string() : percent_encoding::encode(key, /*keep_slash=*/true);
  if (path_style(bucket)) return "/" + bucket + "/" + encoded_key;
  return "/" + encoded_key;
}

std::string S3Client::virtual_host_bucket(const std::string& bucket) const {
  return path_style(bucket) ? std::string() : bucket;
}

S3PutResult S3Client::put_object(const std::string& bucket, const std::string& key, const std::string& body,
                                 const std::string& content_type) {
  auth::HttpRequest request{"PUT", target(bucket, key), {{"Content-Type", content_type}}, body};
  HttpResponse response = caller_->call(std::move(request), virtual_host_bucket(bucket));
  return {header_or_empty(response, "ETag"), header_or_empty(response, "x-amz-version-id")};
}

S3Object S3Client::get_object(const std::string& bucket, const std::string& key) {
  auth::HttpRequest request{"GET", target(bucket, key), {}, ""};
  HttpResponse response = caller_->call(std::move(request), virtual_host_bucket(bucket));
  return {std::move(response.body), header_or_empty(response, "ETag"),
          header_or_empty(response, "Content-Type"), header_or_empty(response, "Last-Modified")};
}

S3ListPage S3Client::list_objects_v2(const S3ListRequest& list) {
  std::string query = "?list-type=2";
  if (!list.prefix.empty()) query += "&prefix=" + percent_encoding::encode(list.prefix);
  if (!list.delimiter.empty()) query += "&delimiter=" + percent_encoding::encode(list.delimiter);
  if (!list.continuation_token.empty())
    query += "&continuation-token=" + percent_encoding::encode(list.continuation_token);
  if (list.max_keys > 0) query += "&max-keys=" + std::to_string(list.max_keys);
  const std::string path = path_style(list.bucket) ? "/" + list.bucket : "/";
  HttpResponse response = caller_->call({"GET", path + query, {}, ""}, virtual_host_bucket(list.bucket));
  pugi::xml_document doc;
  if (!doc.load_buffer(response.body.data(), response.body.size())) {
    throw AwsError("SerializationException", "unparseable ListBucketResult", response.status,
                   request_id_of(response));
  }
  pugi::xml_node result = doc.child("ListBucketResult");
  S3ListPage page;
  for (pugi::xml_node item : result.children("Contents")) {
    page.contents.push_back({item.child_value("Key"),
                             std::stoull("0" + std::string(item.child_value("Size"))),
                             item.child_value("ETag"), item.child_value("LastModified")});
  }
  for (pugi::xml_node prefix : result.children("CommonPrefixes"))
    page.common_prefixes.push_back(prefix.child_value("Prefix"));
  page.is_truncated = std::string(result.child_value("IsTruncated")) == "true";
  page.next_continuation_token = result.child_value("NextContinuationToken");
  return page;
}

std::vector<S3ListEntry> S3Client::list_all(const std::string& bucket, const std::string& prefix) {
  std::vector<S3ListEntry> all;
  S3ListRequest request{bucket, prefix, "", "", 0};
  while (true) {
    S3ListPage page = list_objects_v2(request);
    all.insert(all.end(), page.contents.begin(), page.contents.end());
    if (!page.is_truncated || page.next_continuation_token.empty()) break;
    request.continuation_token = page.next_continuation_token;
  }
  return all;
}

}  // namespace fanout::client
