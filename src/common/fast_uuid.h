// Ids minted on every request: SQS and SNS MessageIds and the x-amzn-RequestId of each response.
// RFC 4122 version-4 UUIDs drawn from a per-thread generator seeded once from the OS's CSPRNG.
// They must be unique, not secret (clients see them, and AWS's are not secrets either), and
// crypto::uuid_v4 costs a RAND_bytes call (with its fork-check getpid system call) per id.
#pragma once

#include <cstdint>
#include <string>

namespace fanout::crypto {

std::string fast_uuid_v4();

// The UUID text of 128 bits (hi holds the first 8 bytes, big-endian) with the given version and
// the RFC 9562 variant written over their bits. For generators with their own randomness (4) or
// layout (7: a millisecond timestamp first).
std::string format_uuid(std::uint64_t hi, std::uint64_t lo, int version);

}  // namespace fanout::crypto
