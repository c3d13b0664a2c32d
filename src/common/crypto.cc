#include "common/crypto.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <stdexcept>

namespace fanout::crypto {
namespace {

// Algorithm objects are fetched once: fetching per call costs a provider lookup under a lock,
// and SigV4 runs several HMACs per request. Fetched objects are immutable and thread-safe.
const EVP_MD* fetch_digest(const char* name) {
  EVP_MD* md = EVP_MD_fetch(nullptr, name, nullptr);
  if (md == nullptr) throw std::runtime_error(std::string("OpenSSL digest unavailable: ") + name);
  return md;
}

const EVP_MD* sha256_md() {
  static const EVP_MD* md = fetch_digest("SHA256");
  return md;
}
const EVP_MD* sha1_md() {
  static const EVP_MD* md = fetch_digest("SHA1");
  return md;
}
const EVP_MD* md5_md() {
  static const EVP_MD* md = fetch_digest("MD5");
  return md;
}

EVP_MAC* hmac_algorithm() {
  static EVP_MAC* mac = [] {
    EVP_MAC* m = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    if (m == nullptr) throw std::runtime_error("OpenSSL HMAC unavailable");
    return m;
  }();
  return mac;
}

struct MacCtxDeleter {
  void operator()(EVP_MAC_CTX* ctx) const { EVP_MAC_CTX_free(ctx); }
};
struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

// One digest context per thread, reused: EVP_Digest allocates and frees a context per call, and
// SigV4 hashes the payload and the canonical request of every request.
EVP_MD_CTX* thread_digest_context() {
  thread_local std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
  if (!ctx) throw std::runtime_error("EVP_MD_CTX_new failed");
  return ctx.get();
}

std::string digest(const EVP_MD* md, std::string_view data) {
  EVP_MD_CTX* ctx = thread_digest_context();
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  unsigned int len = 0;
  if (EVP_DigestInit_ex2(ctx, md, nullptr) != 1 || EVP_DigestUpdate(ctx, data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(ctx, out.data(), &len) != 1) {
    throw std::runtime_error("digest computation failed");
  }
  return std::string(reinterpret_cast<const char*>(out.data()), len);
}

// An HMAC context with its digest parameter set once. Each hmac_* function keeps one per thread:
// creating a context and parsing the OSSL_PARAM per call was 6% of a signed request's CPU, and
// EVP_MAC_init with a key re-keys the context for each call.
std::unique_ptr<EVP_MAC_CTX, MacCtxDeleter> make_hmac_context(const char* digest_name) {
  std::unique_ptr<EVP_MAC_CTX, MacCtxDeleter> ctx(EVP_MAC_CTX_new(hmac_algorithm()));
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>(digest_name), 0),
      OSSL_PARAM_construct_end(),
  };
  if (!ctx || EVP_MAC_CTX_set_params(ctx.get(), params) != 1) throw std::runtime_error("HMAC setup failed");
  return ctx;
}

std::string hmac(EVP_MAC_CTX* ctx, std::string_view key, std::string_view data) {
  // A zero-length key is legal HMAC; OpenSSL wants a non-null pointer for it.
  static const unsigned char kEmpty = 0;
  const auto* key_bytes = key.empty() ? &kEmpty : reinterpret_cast<const unsigned char*>(key.data());
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  std::size_t len = 0;
  if (EVP_MAC_init(ctx, key_bytes, key.size(), nullptr) != 1 ||
      EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1 ||
      EVP_MAC_final(ctx, out.data(), &len, out.size()) != 1) {
    throw std::runtime_error("HMAC computation failed");
  }
  return std::string(reinterpret_cast<const char*>(out.data()), len);
}

constexpr char kBase64Alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// -1 for bytes outside the standard alphabet (padding is handled by the caller).
int base64_value(unsigned char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

}  // namespace

std::string sha256(std::string_view data) { return digest(sha256_md(), data); }
std::string sha1(std::string_view data) { return digest(sha1_md(), data); }
std::string md5(std::string_view data) { return digest(md5_md(), data); }

std::string hmac_sha256(std::string_view key, std::string_view data) {
  thread_local const auto ctx = make_hmac_context("SHA256");
  return hmac(ctx.get(), key, data);
}
std::string hmac_sha1(std::string_view key, std::string_view data) {
  thread_local const auto ctx = make_hmac_context("SHA1");
  return hmac(ctx.get(), key, data);
}

// (The deleter is OpenSSL's function, not MdCtxDeleter: a member of this externally visible type
// may not use a type from the anonymous namespace.)
struct HmacSha256Key::States {
  using Context = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;
  Context inner{EVP_MD_CTX_new(), &EVP_MD_CTX_free};  // after (key ^ ipad)
  Context outer{EVP_MD_CTX_new(), &EVP_MD_CTX_free};  // after (key ^ opad)
};

HmacSha256Key::HmacSha256Key(std::string_view key) : states_(std::make_unique<States>()) {
  // RFC 2104: a key longer than the block is hashed first; the key is zero-padded to the block.
  constexpr std::size_t kBlock = 64;
  std::string block_key = key.size() > kBlock ? sha256(key) : std::string(key);
  block_key.resize(kBlock, '\0');
  std::array<unsigned char, kBlock> ipad{};
  std::array<unsigned char, kBlock> opad{};
  for (std::size_t i = 0; i < kBlock; ++i) {
    ipad[i] = static_cast<unsigned char>(block_key[i]) ^ 0x36;
    opad[i] = static_cast<unsigned char>(block_key[i]) ^ 0x5c;
  }
  if (!states_->inner || !states_->outer ||
      EVP_DigestInit_ex(states_->inner.get(), sha256_md(), nullptr) != 1 ||
      EVP_DigestUpdate(states_->inner.get(), ipad.data(), ipad.size()) != 1 ||
      EVP_DigestInit_ex(states_->outer.get(), sha256_md(), nullptr) != 1 ||
      EVP_DigestUpdate(states_->outer.get(), opad.data(), opad.size()) != 1) {
    throw std::runtime_error("HMAC key setup failed");
  }
  OPENSSL_cleanse(block_key.data(), block_key.size());
  OPENSSL_cleanse(ipad.data(), ipad.size());
  OPENSSL_cleanse(opad.data(), opad.size());
}

HmacSha256Key::~HmacSha256Key() = default;

std::string HmacSha256Key::mac(std::string_view data) const {
  EVP_MD_CTX* work = thread_digest_context();
  std::array<unsigned char, EVP_MAX_MD_SIZE> inner_hash{};
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  unsigned int inner_len = 0;
  unsigned int out_len = 0;
  if (EVP_MD_CTX_copy_ex(work, states_->inner.get()) != 1 ||
      EVP_DigestUpdate(work, data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(work, inner_hash.data(), &inner_len) != 1 ||
      EVP_MD_CTX_copy_ex(work, states_->outer.get()) != 1 ||
      EVP_DigestUpdate(work, inner_hash.data(), inner_len) != 1 ||
      EVP_DigestFinal_ex(work, out.data(), &out_len) != 1) {
    throw std::runtime_error("HMAC computation failed");
  }
  return std::string(reinterpret_cast<const char*>(out.data()), out_len);
}

std::string hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.resize(bytes.size() * 2);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const auto b = static_cast<unsigned char>(bytes[i]);
    out[2 * i] = kDigits[b >> 4];
    out[2 * i + 1] = kDigits[b & 0x0f];
  }
  return out;
}

std::optional<std::string> hex_decode(std::string_view text) {
  if (text.size() % 2 != 0) return std::nullopt;
  const auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(text.size() / 2);
  for (std::size_t i = 0; i < text.size(); i += 2) {
    const int high = nibble(text[i]);
    const int low = nibble(text[i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    out += static_cast<char>((high << 4) | low);
  }
  return out;
}

std::string base64_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t v = (static_cast<unsigned char>(bytes[i]) << 16) |
                            (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                            static_cast<unsigned char>(bytes[i + 2]);
    out += kBase64Alphabet[(v >> 18) & 0x3f];
    out += kBase64Alphabet[(v >> 12) & 0x3f];
    out += kBase64Alphabet[(v >> 6) & 0x3f];
    out += kBase64Alphabet[v & 0x3f];
  }
  const std::size_t rest = bytes.size() - i;
  if (rest == 1) {
    const std::uint32_t v = static_cast<unsigned char>(bytes[i]) << 16;
    out += kBase64Alphabet[(v >> 18) & 0x3f];
    out += kBase64Alphabet[(v >> 12) & 0x3f];
    out += "==";
  } else if (rest == 2) {
    const std::uint32_t v =
        (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8);
    out += kBase64Alphabet[(v >> 18) & 0x3f];
    out += kBase64Alphabet[(v >> 12) & 0x3f];
    out += kBase64Alphabet[(v >> 6) & 0x3f];
    out += '=';
  }
  return out;
}

// Canonical means: standard alphabet, padded to a multiple of 4, '=' only as the final one or two
// characters, and unused trailing bits zero. That makes the encoding of each byte string unique,
// which is what AWS checks (e.g. SQS binary attributes, Content-MD5).
std::optional<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    int pad = 0;
    if (last) {
      if (text[i + 3] == '=') pad = text[i + 2] == '=' ? 2 : 1;
    }
    int v[4] = {0, 0, 0, 0};
    for (int k = 0; k < 4 - pad; ++k) {
      v[k] = base64_value(static_cast<unsigned char>(text[i + k]));
      if (v[k] < 0) return std::nullopt;
    }
    const std::uint32_t n = (static_cast<std::uint32_t>(v[0]) << 18) |
                            (static_cast<std::uint32_t>(v[1]) << 12) |
                            (static_cast<std::uint32_t>(v[2]) << 6) | static_cast<std::uint32_t>(v[3]);
    if (pad == 2 && (n & 0xffff) != 0) return std::nullopt;
    if (pad == 1 && (n & 0xff) != 0) return std::nullopt;
    out += static_cast<char>((n >> 16) & 0xff);
    if (pad < 2) out += static_cast<char>((n >> 8) & 0xff);
    if (pad < 1) out += static_cast<char>(n & 0xff);
  }
  return out;
}

bool constant_time_equals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string random_bytes(std::size_t n) {
  std::string out(n, '\0');
  std::size_t done = 0;
  // RAND_bytes takes an int length; chunk so huge requests cannot overflow it.
  while (done < n) {
    const std::size_t chunk = std::min<std::size_t>(n - done, 1 << 20);
    if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data() + done), static_cast<int>(chunk)) != 1) {
      throw std::runtime_error("RAND_bytes failed");
    }
    done += chunk;
  }
  return out;
}

std::string uuid_v4() {
  std::string b = random_bytes(16);
  b[6] = static_cast<char>((static_cast<unsigned char>(b[6]) & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<char>((static_cast<unsigned char>(b[8]) & 0x3f) | 0x80);  // RFC 4122 variant
  const std::string h = hex(b);
  return h.substr(0, 8) + '-' + h.substr(8, 4) + '-' + h.substr(12, 4) + '-' + h.substr(16, 4) + '-' +
         h.substr(20, 12);
}

}  // namespace fanout::crypto
