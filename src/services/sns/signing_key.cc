#include "services/sns/signing_key.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include <stdexcept>

#include "common/crypto.h"

namespace fanout::services::sns {

struct SigningKey::Impl {
  EVP_PKEY* pkey = nullptr;
  ~Impl() { EVP_PKEY_free(pkey); }
};

namespace {

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(n));
}

struct BioDeleter {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct X509Deleter {
  void operator()(X509* x) const { X509_free(x); }
};
using BioPtr = std::unique_ptr<BIO, BioDeleter>;
using X509Ptr = std::unique_ptr<X509, X509Deleter>;

}  // namespace

SigningKey::~SigningKey() = default;

std::shared_ptr<const SigningKey> SigningKey::generate(int bits) {
  auto key = std::shared_ptr<SigningKey>(new SigningKey());
  key->impl_ = std::make_unique<Impl>();
  key->impl_->pkey = EVP_RSA_gen(static_cast<unsigned>(bits));
  if (!key->impl_->pkey) throw std::runtime_error("sns: RSA key generation failed");

  X509Ptr cert(X509_new());
  if (!cert) throw std::runtime_error("sns: X509_new failed");
  X509_set_version(cert.get(), 2);
  unsigned char serial[16];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -24L * 3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 10L * 365 * 24 * 3600);
  X509_set_pubkey(cert.get(), key->impl_->pkey);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("fanout"), -1,
                             -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("sns.amazonaws.com"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  if (X509_sign(cert.get(), key->impl_->pkey, EVP_sha256()) <= 0)
    throw std::runtime_error("sns: X509_sign failed");

  BioPtr key_bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(key_bio.get(), key->impl_->pkey, nullptr, nullptr, 0, nullptr, nullptr);
  key->key_pem_ = bio_text(key_bio.get());
  BioPtr cert_bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(cert_bio.get(), cert.get());
  key->cert_pem_ = bio_text(cert_bio.get());
  return key;
}

std::shared_ptr<const SigningKey> SigningKey::from_pem(std::string_view key_pem, std::string_view cert_pem) {
  auto key = std::shared_ptr<SigningKey>(new SigningKey());
  key->impl_ = std::make_unique<Impl>();
  BioPtr key_bio(BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size())));
  key->impl_->pkey = PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr);
  if (!key->impl_->pkey) throw std::runtime_error("sns: stored signing key does not parse");
  BioPtr cert_bio(BIO_new_mem_buf(cert_pem.data(), static_cast<int>(cert_pem.size())));
  X509Ptr cert(PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr));
  if (!cert) throw std::runtime_error("sns: stored signing certificate does not parse");
  if (X509_check_private_key(cert.get(), key->impl_->pkey) != 1) {
    throw std::runtime_error("sns: stored signing certificate does not match the key");
  }
  key->key_pem_ = std::string(key_pem);
  key->cert_pem_ = std::string(cert_pem);
  return key;
}

std::string SigningKey::sign(std::string_view data, std::string_view signature_version) const {
  const EVP_MD* md = signature_version == "2" ? EVP_sha256() : EVP_sha1();
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (!ctx) throw std::runtime_error("sns: EVP_MD_CTX_new failed");
  std::string signature;
  std::size_t length = 0;
  bool ok = EVP_DigestSignInit(ctx, nullptr, md, nullptr, impl_->pkey) == 1 &&
            EVP_DigestSign(ctx, nullptr, &length, reinterpret_cast<const unsigned char*>(data.data()),
                           data.size()) == 1;
  if (ok) {
    signature.resize(length);
    ok = EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(signature.data()), &length,
                        reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
    signature.resize(length);
  }
  EVP_MD_CTX_free(ctx);
  if (!ok) throw std::runtime_error("sns: signing failed");
  return crypto::base64_encode(signature);
}

}  // namespace fanout::services::sns
