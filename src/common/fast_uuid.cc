#include "common/fast_uuid.h"

#include <array>
#include <cstdint>
#include <cstring>

#include "common/crypto.h"

namespace fanout::crypto {
namespace {

// xoshiro256** (Blackman & Vigna): 256 bits of state, so 128-bit draws do not repeat within any
// realistic run; each thread's state is seeded independently from the CSPRNG.
class Xoshiro256 {
 public:
  Xoshiro256() {
    const std::string seed = random_bytes(sizeof state_);
    std::memcpy(state_.data(), seed.data(), sizeof state_);
    if ((state_[0] | state_[1] | state_[2] | state_[3]) == 0) state_[0] = 1;  // the one bad state
  }
  std::uint64_t next() {
    const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
    const std::uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotl(state_[3], 45);
    return result;
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::array<std::uint64_t, 4> state_{};
};

}  // namespace

std::string fast_uuid_v4() {
  thread_local Xoshiro256 generator;
  const std::uint64_t hi = generator.next();
  return format_uuid(hi, generator.next(), 4);
}

std::string format_uuid(std::uint64_t hi, std::uint64_t lo, int version) {
  std::array<unsigned char, 16> b{};
  for (std::size_t i = 0; i < 8; ++i) {
    b[i] = static_cast<unsigned char>(hi >> (56 - 8 * i));
    b[8 + i] = static_cast<unsigned char>(lo >> (56 - 8 * i));
  }
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | (version << 4));
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(36, '-');
  std::size_t out = 0;
  for (std::size_t i = 0; i < b.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) ++out;  // the dashes stay
    id[out++] = kHex[b[i] >> 4];
    id[out++] = kHex[b[i] & 15];
  }
  return id;
}

}  // namespace fanout::crypto
