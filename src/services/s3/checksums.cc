#include "services/s3/checksums.h"

#include <openssl/evp.h>
#include <zlib.h>

#include <array>
#include <stdexcept>

namespace fanout::services::s3 {
namespace {

// Reflected table-driven CRCs: one 256-entry table per polynomial, built once.
constexpr std::array<std::uint32_t, 256> make_crc32_table(std::uint32_t poly) {
  std::array<std::uint32_t, 256> table{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ poly : c >> 1;
    table[i] = c;
  }
  return table;
}

constexpr std::array<std::uint64_t, 256> make_crc64_table(std::uint64_t poly) {
  std::array<std::uint64_t, 256> table{};
  for (std::uint64_t i = 0; i < 256; ++i) {
    std::uint64_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ poly : c >> 1;
    table[i] = c;
  }
  return table;
}

constexpr auto kCrc32cTable = make_crc32_table(0x82F63B78u);               // Castagnoli, reflected
constexpr auto kCrc64NvmeTable = make_crc64_table(0x9A6C9329AC4BC9B5ull);  // NVMe, reflected

std::string big_endian(std::uint64_t value, int bytes) {
  std::string out(static_cast<std::size_t>(bytes), '\0');
  for (int i = bytes - 1; i >= 0; --i) {
    out[static_cast<std::size_t>(i)] = static_cast<char>(value & 0xff);
    value >>= 8;
  }
  return out;
}

class Crc32Digest final : public Digest {
 public:
  void update(const void* data, std::size_t size) override {
    const auto* p = static_cast<const Bytef*>(data);
    while (size > 0) {
      // zlib takes a uInt length.
      auto n = static_cast<uInt>(std::min<std::size_t>(size, 1u << 30));
      crc_ = ::crc32(crc_, p, n);
      p += n;
      size -= n;
    }
  }
  std::string result() override { return big_endian(crc_, 4); }

 private:
  uLong crc_ = ::crc32(0, nullptr, 0);
};

class Crc32cDigest final : public Digest {
 public:
  void update(const void* data, std::size_t size) override { crc_ = crc32c_update(crc_, data, size); }
  std::string result() override { return big_endian(crc_, 4); }

 private:
  std::uint32_t crc_ = 0;
};

class Crc64NvmeDigest final : public Digest {
 public:
  void update(const void* data, std::size_t size) override { crc_ = crc64nvme_update(crc_, data, size); }
  std::string result() override { return big_endian(crc_, 8); }

 private:
  std::uint64_t crc_ = 0;
};

class EvpDigest final : public Digest {
 public:
  explicit EvpDigest(const EVP_MD* md) : ctx_(EVP_MD_CTX_new()) {
    if (!ctx_ || EVP_DigestInit_ex(ctx_.get(), md, nullptr) != 1)
      throw std::runtime_error("digest init failed");
  }
  void update(const void* data, std::size_t size) override { EVP_DigestUpdate(ctx_.get(), data, size); }
  std::string result() override {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx_.get(), out, &len);
    return std::string(reinterpret_cast<char*>(out), len);
  }

 private:
  struct Free {
    void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
  };
  std::unique_ptr<EVP_MD_CTX, Free> ctx_;
};

std::string upper(std::string_view text) {
  std::string out(text);
  for (auto& c : out) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
  return out;
}

}  // namespace

std::uint32_t crc32c_update(std::uint32_t crc, const void* data, std::size_t size) {
  const auto* p = static_cast<const unsigned char*>(data);
  crc = ~crc;
  for (std::size_t i = 0; i < size; ++i) crc = kCrc32cTable[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
  return ~crc;
}

std::uint64_t crc64nvme_update(std::uint64_t crc, const void* data, std::size_t size) {
  const auto* p = static_cast<const unsigned char*>(data);
  crc = ~crc;
  for (std::size_t i = 0; i < size; ++i) crc = kCrc64NvmeTable[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
  return ~crc;
}

std::optional<std::string> checksum_algorithm_name(std::string_view text) {
  auto name = upper(text);
  for (const char* known : {"CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256"}) {
    if (name == known) return name;
  }
  return std::nullopt;
}

std::string checksum_header(std::string_view algorithm) {
  std::string out = "x-amz-checksum-";
  for (char c : algorithm) out += static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  return out;
}

std::unique_ptr<Digest> Digest::make(std::string_view algorithm) {
  auto name = upper(algorithm);
  if (name == "CRC32") return std::make_unique<Crc32Digest>();
  if (name == "CRC32C") return std::make_unique<Crc32cDigest>();
  if (name == "CRC64NVME") return std::make_unique<Crc64NvmeDigest>();
  if (name == "SHA1") return std::make_unique<EvpDigest>(EVP_sha1());
  if (name == "SHA256") return std::make_unique<EvpDigest>(EVP_sha256());
  if (name == "MD5") return std::make_unique<EvpDigest>(EVP_md5());
  throw std::invalid_argument("unknown digest " + name);
}

std::string digest_of(std::string_view algorithm, std::string_view data) {
  auto digest = Digest::make(algorithm);
  digest->update(data.data(), data.size());
  return digest->result();
}

}  // namespace fanout::services::s3
