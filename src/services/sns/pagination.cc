#include "services/sns/pagination.h"

#include "common/crypto.h"

namespace fanout::services::sns {

namespace {
constexpr std::string_view kMagic = "sns1:";
}

std::string encode_next_token(std::string_view last_key) {
  return crypto::base64_encode(std::string(kMagic) + std::string(last_key));
}

std::optional<std::string> decode_next_token(std::string_view token) {
  auto decoded = crypto::base64_decode(token);
  if (!decoded || !decoded->starts_with(kMagic)) return std::nullopt;
  return decoded->substr(kMagic.size());
}

}  // namespace fanout::services::sns
