// Hashes, MACs and encodings used by SigV4, SQS checksums and S3 ETags.
// All digests return raw bytes; use hex() / base64_encode() to render them.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace fanout::crypto {

std::string sha256(std::string_view data);
std::string sha1(std::string_view data);
std::string md5(std::string_view data);
std::string hmac_sha256(std::string_view key, std::string_view data);
std::string hmac_sha1(std::string_view key, std::string_view data);

// HMAC-SHA256 under one fixed key, whose inner and outer hash states are computed once: each MAC
// is then two short hashes, not a re-keying (~150 instead of ~400 ns for a receipt handle, which
// an SQS receive makes and a delete checks for every message). Thread-safe: mac() only reads
// the precomputed states.
class HmacSha256Key {
 public:
  explicit HmacSha256Key(std::string_view key);
  ~HmacSha256Key();
  HmacSha256Key(const HmacSha256Key&) = delete;
  HmacSha256Key& operator=(const HmacSha256Key&) = delete;

  // Equal to hmac_sha256(key, data).
  std::string mac(std::string_view data) const;

 private:
  struct States;
  std::unique_ptr<States> states_;
};

// Lower-case hexadecimal, as SigV4 and SQS's MD5OfMessageBody use.
std::string hex(std::string_view bytes);
// The inverse of hex(), either case; nullopt for an odd length or a non-hex character.
std::optional<std::string> hex_decode(std::string_view text);
std::string base64_encode(std::string_view bytes);
// Returns nullopt for input that is not canonical base64.
std::optional<std::string> base64_decode(std::string_view text);

// Compares in time that depends only on the lengths, so a MAC check leaks nothing about where the
// first difference is.
bool constant_time_equals(std::string_view a, std::string_view b);

// Cryptographically random bytes (for receipt handles, tokens, ids).
std::string random_bytes(std::size_t n);
// A random RFC 4122 version-4 UUID in its lower-case text form.
std::string uuid_v4();

}  // namespace fanout::crypto
