// The key SNS signs its messages with, and the certificate subscribers verify them with (served
// at the SigningCertURL). An RSA key and a self-signed X.509 certificate, generated at first
// start and persisted by the engine. SignatureVersion 1 signs with SHA1withRSA, 2 with
// SHA256withRSA, as AWS does.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace fanout::services::sns {

class SigningKey {
 public:
  // A fresh key of `bits` and a certificate for it (CN=sns.amazonaws.com, valid ten years).
  static std::shared_ptr<const SigningKey> generate(int bits = 2048);
  // From the PEM texts generate() produced; throws std::runtime_error when they do not parse or
  // do not belong together.
  static std::shared_ptr<const SigningKey> from_pem(std::string_view key_pem, std::string_view cert_pem);

  ~SigningKey();
  SigningKey(const SigningKey&) = delete;
  SigningKey& operator=(const SigningKey&) = delete;

  const std::string& key_pem() const { return key_pem_; }
  const std::string& cert_pem() const { return cert_pem_; }
  // Base64 RSA signature of `data` for SignatureVersion "1" (SHA1) or "2" (SHA256). Thread-safe.
  std::string sign(std::string_view data, std::string_view signature_version) const;

 private:
  SigningKey() = default;
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string key_pem_;
  std::string cert_pem_;
};

}  // namespace fanout::services::sns
