// Receipt handles: opaque, unforgeable tokens naming one receive of one message.
// base64url( version | queue id | message seq | receive count | HMAC-SHA256 prefix ). The receive
// count makes every receive's handle different while a retried receive (same count) gets the same
// handle back; the MAC (key persisted by the engine) makes forged or altered handles invalid.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/crypto.h"

namespace fanout::services::sqs {

struct ReceiptHandle {
  std::uint64_t queue_id = 0;
  std::uint64_t seq = 0;
  std::uint32_t receive_count = 0;
};

class ReceiptHandleCodec {
 public:
  explicit ReceiptHandleCodec(std::string_view key) : key_(key) {}
  std::string encode(const ReceiptHandle& handle) const;
  // nullopt for anything this codec did not produce.
  std::optional<ReceiptHandle> decode(std::string_view text) const;

 private:
  std::string mac(std::string_view payload) const;
  crypto::HmacSha256Key key_;
};

}  // namespace fanout::services::sqs
