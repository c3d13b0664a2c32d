#include "services/sqs/receipt_handle.h"

#include <openssl/crypto.h>

#include "common/crypto.h"
#include "services/sqs/message_record.h"

namespace fanout::services::sqs {

namespace {
constexpr char kVersion = 1;
constexpr std::size_t kPayload = 1 + 8 + 8 + 4;
constexpr std::size_t kMac = 16;

std::string to_base64url(std::string_view bytes) {
  std::string text = crypto::base64_encode(bytes);
  while (!text.empty() && text.back() == '=') text.pop_back();
  for (char& c : text) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return text;
}

std::optional<std::string> from_base64url(std::string_view text) {
  std::string standard(text);
  for (char& c : standard) {
    if (c == '-') {
      c = '+';
    } else if (c == '_') {
      c = '/';
    } else if (c == '+' || c == '/' || c == '=') {
      return std::nullopt;
    }
  }
  while (standard.size() % 4 != 0) standard.push_back('=');
  return crypto::base64_decode(standard);
}
}  // namespace

std::string ReceiptHandleCodec::mac(std::string_view payload) const {
  return key_.mac(payload).substr(0, kMac);
}

std::string ReceiptHandleCodec::encode(const ReceiptHandle& handle) const {
  std::string bytes;
  bytes.reserve(kPayload + kMac);
  bytes.push_back(kVersion);
  put_u64_be(bytes, handle.queue_id);
  put_u64_be(bytes, handle.seq);
  for (int shift = 24; shift >= 0; shift -= 8)
    bytes.push_back(static_cast<char>((handle.receive_count >> shift) & 0xFF));
  bytes += mac(bytes);
  return to_base64url(bytes);
}

std::optional<ReceiptHandle> ReceiptHandleCodec::decode(std::string_view text) const {
  if (text.size() > 128) return std::nullopt;
  auto bytes = from_base64url(text);
  if (!bytes || bytes->size() != kPayload + kMac || (*bytes)[0] != kVersion) return std::nullopt;
  std::string_view payload(bytes->data(), kPayload);
  std::string expected = mac(payload);
  if (CRYPTO_memcmp(expected.data(), bytes->data() + kPayload, kMac) != 0) return std::nullopt;
  ReceiptHandle handle;
  handle.queue_id = get_u64_be(payload.substr(1, 8));
  handle.seq = get_u64_be(payload.substr(9, 8));
  for (std::size_t i = 17; i < 21; ++i) {
    handle.receive_count = (handle.receive_count << 8) | static_cast<unsigned char>(payload[i]);
  }
  return handle;
}

}  // namespace fanout::services::sqs
