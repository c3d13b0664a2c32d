// Ids minted on every request: SQS and SNS MessageIds and the x-amzn-RequestId of each response.
// RFC 4122 version-4 UUIDs drawn from a per-thread generator seeded once from the OS's CSPRNG.
// They must be unique, not secret (clients see them, and AWS's are not secrets either), and
// crypto::uuid_v4 costs a RAND_bytes call (with its fork-check getpid system call) per id.
#pragma once

#include <cstdint>
#include <string>

namespace fanout::crypto {

std::string fast_uuid_v4();

// The version-4 UUID text of 128 random bits (hi holds the first 8 bytes, big-endian); the
// version and variant bits are overwritten. For generators with their own (seeded) randomness.
std::string format_uuid_v4(std::uint64_t hi, std::uint64_t lo);

}  // namespace fanout::crypto
