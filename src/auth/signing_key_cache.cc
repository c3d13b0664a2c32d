// derive_signing_key runs for every authenticated request, and its four chained HMACs depend only
// on (secret, date, region, service), which change once a day per caller. A small shared cache
// turns that into one map lookup. Beside each key it keeps the key's precomputed HMAC states, so
// the request's own signature HMAC does not re-key either.
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>

#include "auth/sigv4.h"
#include "common/crypto.h"

namespace fanout::auth {
namespace {

// Beyond this many distinct keys the cache is simply cleared: entries are cheap to recompute and
// a bound keeps a flood of made-up scopes from growing memory.
constexpr std::size_t kMaxEntries = 1024;

// A derived key and its precomputed HMAC states, shared by every request that uses it: a lookup
// hands out a reference, not copies.
struct SigningKey {
  explicit SigningKey(std::string derived) : key(std::move(derived)), mac(key) {}
  const std::string key;
  const crypto::HmacSha256Key mac;
};

class SigningKeyCache {
 public:
  std::shared_ptr<const SigningKey> get(std::string_view secret, std::string_view date,
                                        std::string_view region, std::string_view service) {
    const std::string key = cache_key(secret, date, region, service);
    {
      std::lock_guard lock(mutex_);
      if (auto it = keys_.find(key); it != keys_.end()) return it->second;
    }
    // Derived outside the lock: two threads may both compute a missing key, which is harmless.
    auto derived = std::make_shared<const SigningKey>(derive(secret, date, region, service));
    std::lock_guard lock(mutex_);
    if (keys_.size() >= kMaxEntries) keys_.clear();
    keys_.insert_or_assign(key, derived);
    return derived;
  }

 private:
  // Length-prefixed fields, so no choice of field contents can make two tuples collide.
  static std::string cache_key(std::string_view secret, std::string_view date, std::string_view region,
                               std::string_view service) {
    std::string key;
    key.reserve(secret.size() + date.size() + region.size() + service.size() + 32);
    for (std::string_view part : {secret, date, region, service}) {
      key += std::to_string(part.size());
      key += ':';
      key += part;
    }
    return key;
  }

  static std::string derive(std::string_view secret, std::string_view date, std::string_view region,
                            std::string_view service) {
    std::string k = crypto::hmac_sha256("AWS4" + std::string(secret), date);
    k = crypto::hmac_sha256(k, region);
    k = crypto::hmac_sha256(k, service);
    return crypto::hmac_sha256(k, "aws4_request");
  }

  std::mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<const SigningKey>> keys_;
};

SigningKeyCache& cache() {
  static SigningKeyCache instance;
  return instance;
}

}  // namespace

std::string derive_signing_key(std::string_view secret, std::string_view date, std::string_view region,
                               std::string_view service) {
  return cache().get(secret, date, region, service)->key;
}

std::string signature_for(std::string_view secret, std::string_view date, std::string_view region,
                          std::string_view service, std::string_view string_to_sign) {
  return crypto::hex(cache().get(secret, date, region, service)->mac.mac(string_to_sign));
}

}  // namespace fanout::auth
