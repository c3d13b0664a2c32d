#include "services/s3/key_path.h"

#include "common/crypto.h"

namespace fanout::services::s3 {

std::optional<std::string> natural_path(std::string_view key) {
  if (key.empty() || key.size() > kMaxKeyBytes) return std::nullopt;
  std::size_t start = 0;
  bool first = true;
  while (true) {
    auto slash = key.find('/', start);
    auto segment =
        key.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    // Empty segments cover a leading '/', "//" and a trailing '/' (a "folder" object).
    if (segment.empty() || segment == "." || segment == ".." || segment.size() > 255) return std::nullopt;
    if (segment.find('\0') != std::string_view::npos) return std::nullopt;
    if (first && segment == kEscapeDir) return std::nullopt;
    first = false;
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return std::string(key);
}

std::string escaped_path(std::string_view key) {
  return std::string(kEscapeDir) + "/" + crypto::hex(crypto::sha256(key));
}

}  // namespace fanout::services::s3
