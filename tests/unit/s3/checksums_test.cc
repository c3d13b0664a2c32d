#include "services/s3/checksums.h"

#include <gtest/gtest.h>

#include "common/crypto.h"

namespace fanout::services::s3 {
namespace {

std::string b64(std::string_view algorithm, std::string_view data) {
  return crypto::base64_encode(digest_of(algorithm, data));
}

TEST(Checksums, CheckValuesFromTheSpecifications) {
  // The "123456789" check values of each CRC's catalogue entry.
  EXPECT_EQ(crc32c_update(0, "123456789", 9), 0xE3069283u);
  EXPECT_EQ(crc64nvme_update(0, "123456789", 9), 0xAE8B14860A799888ull);
  EXPECT_EQ(crypto::hex(digest_of("CRC32", "123456789")), "cbf43926");
  EXPECT_EQ(crypto::hex(digest_of("CRC32C", "123456789")), "e3069283");
  EXPECT_EQ(crypto::hex(digest_of("CRC64NVME", "123456789")), "ae8b14860a799888");
}

TEST(Checksums, AwsExamplePayload) {
  // s3-sigv4-examples.json "checksums_of_payload": 66560 x 'a'.
  std::string payload(66560, 'a');
  EXPECT_EQ(b64("CRC32", payload), "sK4Y7A==");
  EXPECT_EQ(b64("CRC32C", payload), "sOO8/Q==");
  EXPECT_EQ(crypto::hex(digest_of("SHA256", payload)),
            "cd69d3887c6af9264b100d7b7602331335d9aa7e3bd7c30cdc6d6f4bfbb3c888");
  // The JS SDK capture: CRC32 of "hello world".
  EXPECT_EQ(b64("CRC32", "hello world"), "DUoRhQ==");
}

TEST(Checksums, IncrementalEqualsOneShot) {
  std::string data;
  for (int i = 0; i < 100000; ++i) data += static_cast<char>(i * 31 + 7);
  for (const char* algorithm : {"CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256", "MD5"}) {
    auto digest = Digest::make(algorithm);
    for (std::size_t i = 0; i < data.size(); i += 997)
      digest->update(data.data() + i, std::min<std::size_t>(997, data.size() - i));
    EXPECT_EQ(digest->result(), digest_of(algorithm, data)) << algorithm;
  }
}

TEST(Checksums, AlgorithmNames) {
  EXPECT_EQ(checksum_algorithm_name("crc32c"), "CRC32C");
  EXPECT_EQ(checksum_algorithm_name("Sha256"), "SHA256");
  EXPECT_FALSE(checksum_algorithm_name("md5"));
  EXPECT_EQ(checksum_header("CRC64NVME"), "x-amz-checksum-crc64nvme");
}

}  // namespace
}  // namespace fanout::services::s3
