#include "client/sqs_checksums.h"

#include <cstdint>

#include "common/crypto.h"

namespace fanout::client {
namespace {

void append_length_prefixed(std::string& out, const std::string& bytes) {
  const auto n = static_cast<std::uint32_t>(bytes.size());
  out += static_cast<char>((n >> 24) & 0xff);
  out += static_cast<char>((n >> 16) & 0xff);
  out += static_cast<char>((n >> 8) & 0xff);
  out += static_cast<char>(n & 0xff);
  out += bytes;
}

}  // namespace

std::string md5_of_body(const std::string& body) { return crypto::hex(crypto::md5(body)); }

std::string md5_of_attributes(const MessageAttributes& attributes) {
  std::string buffer;
  for (const auto& [name, attribute] : attributes) {
    append_length_prefixed(buffer, name);
    append_length_prefixed(buffer, attribute.data_type);
    const bool binary = attribute.data_type.rfind("Binary", 0) == 0;
    buffer += static_cast<char>(binary ? 2 : 1);
    append_length_prefixed(buffer, binary ? attribute.binary_value : attribute.string_value);
  }
  return crypto::hex(crypto::md5(buffer));
}

}  // namespace fanout::client
