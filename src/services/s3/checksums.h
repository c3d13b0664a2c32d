// The payload checksums S3 accepts (x-amz-checksum-*), computed incrementally as a body
// streams: CRC32 (zlib), CRC32C (Castagnoli), CRC64NVME, SHA1, SHA256; and the MD5 behind ETags
// and Content-MD5.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fanout::services::s3 {

std::uint32_t crc32c_update(std::uint32_t crc, const void* data, std::size_t size);
std::uint64_t crc64nvme_update(std::uint64_t crc, const void* data, std::size_t size);

// "CRC32" / "CRC32C" / "CRC64NVME" / "SHA1" / "SHA256"; from a header name suffix
// ("crc32c") or an x-amz-checksum-algorithm value, case-insensitively. nullopt if unknown.
std::optional<std::string> checksum_algorithm_name(std::string_view text);
// The header that carries an algorithm's value: "x-amz-checksum-crc32".
std::string checksum_header(std::string_view algorithm);

// Incremental digest of one algorithm (or MD5); result() is the raw big-endian/digest bytes.
class Digest {
 public:
  // algorithm: one of the checksum names above, or "MD5".
  static std::unique_ptr<Digest> make(std::string_view algorithm);
  virtual ~Digest() = default;
  virtual void update(const void* data, std::size_t size) = 0;
  virtual std::string result() = 0;
};

// One-shot helpers (tests, small bodies): raw digest bytes.
std::string digest_of(std::string_view algorithm, std::string_view data);

}  // namespace fanout::services::s3
