// S3's XML request documents (DeleteObjects, CompleteMultipartUpload, CreateBucketConfiguration,
// Tagging) parsed with pugixml, and the timestamp formats of S3 responses.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "services/s3/object_meta.h"
#include "services/s3/s3_engine.h"

namespace fanout::services::s3 {

struct DeleteObjectsRequest {
  bool quiet = false;
  std::vector<std::string> keys;
};

// nullopt: not well-formed or not the expected document (MalformedXML).
std::optional<DeleteObjectsRequest> parse_delete_objects(std::string_view xml);
std::optional<std::vector<CompletedPart>> parse_complete_multipart(std::string_view xml);
// The LocationConstraint ("" when the body is empty or names none).
std::optional<std::string> parse_create_bucket_configuration(std::string_view xml);
std::optional<Tags> parse_tagging(std::string_view xml);

// "Wed, 12 Oct 2009 17:50:00 GMT"
std::string http_date(std::int64_t epoch_ms);
// Parses RFC 1123 / RFC 850 / asctime HTTP dates; nullopt when malformed.
std::optional<std::int64_t> parse_http_date_ms(std::string_view text);

}  // namespace fanout::services::s3
