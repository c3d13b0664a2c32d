// S3's XML request bodies (DeleteObjects, CompleteMultipartUpload, CreateBucketConfiguration,
// Tagging) and the HTTP date forms of conditional headers, as the S3 front end parses them from
// untrusted requests.
#include <cstdint>
#include <string>

#include "common/iso8601.h"
#include "fuzz_input.h"
#include "services/s3/s3_xml.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace fanout::services::s3;
  fanout::fuzz::FuzzInput input(data, size);
  const std::uint8_t which = input.byte() % 5;
  auto text = input.rest();
  switch (which) {
    case 0:
      if (auto request = parse_delete_objects(text)) {
        for (const auto& key : request->keys) (void)key.size();
      }
      break;
    case 1:
      if (auto parts = parse_complete_multipart(text)) {
        for (const auto& part : *parts) (void)part.etag.size();
      }
      break;
    case 2:
      (void)parse_create_bucket_configuration(text);
      break;
    case 3:
      (void)parse_tagging(text);
      break;
    default:
      if (auto ms = parse_http_date_ms(text)) {
        (void)http_date(*ms);
        (void)fanout::iso8601_ms(*ms);
      }
  }
  return 0;
}
