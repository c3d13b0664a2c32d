// Where an object key lives on disk, relative to its bucket's directory.
//
// S3 keys are any UTF-8 up to 1024 bytes; a file path is not. A key whose '/'-separated segments
// are all usable file names (non-empty, not "." or "..", no NUL, at most 255 bytes) maps to the
// same relative path, so buckets stay browseable with ls (landing_date=2024-01-01/part-0001).
// Every other key, and every key under the reserved top-level directory, maps to
// "<kEscapeDir>/<sha256 of the key>", which can never leave the bucket directory. The object's
// metadata records its path, so a key whose natural path is taken by a clash (object "a" and
// object "a/b") is stored under the escaped name too (see S3Engine).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace fanout::services::s3 {

inline constexpr std::string_view kEscapeDir = ".fanout-escaped-keys";
inline constexpr std::size_t kMaxKeyBytes = 1024;

// The natural relative path of a key, or nullopt when the key needs the escaped name.
std::optional<std::string> natural_path(std::string_view key);
// The escaped relative path ("<kEscapeDir>/<64 hex>").
std::string escaped_path(std::string_view key);

}  // namespace fanout::services::s3
