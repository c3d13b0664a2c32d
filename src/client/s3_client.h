// Amazon S3 (rest-xml): PutObject, GetObject, ListObjectsV2. Path-style addressing against an
// endpoint override (fanoutd), virtual-hosted style against AWS.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace fanout::client {

struct ClientConfig;
class ServiceCaller;

struct S3PutResult {
  std::string etag;
  std::string version_id;
};

struct S3Object {
  std::string body;
  std::string etag;
  std::string content_type;
  std::string last_modified;
};

struct S3ListEntry {
  std::string key;
  std::uint64_t size = 0;
  std::string etag;
  std::string last_modified;
};

struct S3ListPage {
  std::vector<S3ListEntry> contents;
  std::vector<std::string> common_prefixes;
  bool is_truncated = false;
  std::string next_continuation_token;
};

struct S3ListRequest {
  std::string bucket;
  std::string prefix;
  std::string delimiter;
  std::string continuation_token;
  int max_keys = 0;  // 0: the service default (1000)
};

class S3Client {
 public:
  explicit S3Client(const ClientConfig& config);
  ~S3Client();
  S3Client(S3Client&&) noexcept;

  S3PutResult put_object(const std::string& bucket, const std::string& key, const std::string& body,
                         const std::string& content_type = "application/octet-stream");
  S3Object get_object(const std::string& bucket, const std::string& key);
  S3ListPage list_objects_v2(const S3ListRequest& request);
  // Every key under the prefix, following continuation tokens.
  std::vector<S3ListEntry> list_all(const std::string& bucket, const std::string& prefix = "");

  ServiceCaller& caller() { return *caller_; }

 private:
  bool path_style(const std::string& bucket) const;
  std::string target(const std::string& bucket, const std::string& key) const;
  std::string virtual_host_bucket(const std::string& bucket) const;  // empty: path style
  std::unique_ptr<ServiceCaller> caller_;
};

}  // namespace fanout::client
