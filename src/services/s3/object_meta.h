// What S3 remembers about an object besides its bytes, and its store encoding.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fanout::services::s3 {

// Tag sets keep the client's order (S3 returns them as given).
using Tags = std::vector<std::pair<std::string, std::string>>;

// The attributes a client sets on PUT (and CopyObject REPLACE / CreateMultipartUpload).
struct ObjectAttributes {
  std::string content_type;  // "" → binary/octet-stream on read
  std::string content_encoding, content_disposition, content_language, cache_control, expires;
  std::map<std::string, std::string> user_metadata;  // x-amz-meta-<name> (name lower-case)
  std::string storage_class;                         // "" = STANDARD
  Tags tags;
  std::string checksum_algorithm;  // CreateMultipartUpload's x-amz-checksum-algorithm
};

struct ObjectMeta {
  std::string key;
  std::uint64_t size = 0;
  std::string etag;  // quoted: "\"<md5 hex>\"" or "\"<hex>-N\"" for multipart
  std::int64_t last_modified_ms = 0;
  ObjectAttributes attributes;
  std::map<std::string, std::string> checksums;  // "CRC32" → base64
  int parts_count = 0;                           // multipart objects
  std::string path;                              // file path relative to the bucket dir
  std::int64_t file_mtime_ns = 0;                // the file as committed (reconciliation)
};

std::string encode_object_meta(const ObjectMeta& meta);
std::optional<ObjectMeta> decode_object_meta(std::string_view text);

std::string encode_tags(const Tags& tags);
Tags decode_tags(std::string_view text);

}  // namespace fanout::services::s3
