// The pieces of a SigV4 canonical request and string-to-sign. Signer and verifier both build
// them here, so what one signs the other recomputes byte for byte.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "auth/sigv4.h"
#include "auth/uri_encoding.h"

namespace fanout::auth::detail {

inline constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";

// The canonical URI. With normalize_path (every service but S3) dot segments and repeated
// slashes go, then each byte of the path as sent is encoded: an escape on the wire is encoded a
// second time, as AWS requires outside S3. Without it (S3) the path is kept, segments and all;
// valid %XX escapes stay as sent and only bytes that are not legal unescaped are encoded, so the
// S3 key is encoded exactly once whether or not the client escaped it.
std::string canonical_uri(std::string_view raw_path, bool normalize_path);

// RFC 3986 dot-segment removal plus collapsing of empty segments, as botocore and the AWS test
// suite define it for non-S3 services.
std::string remove_dot_segments(std::string_view path);

// Encodes decoded parameters, sorts by encoded key then encoded value, joins with '&'.
std::string canonical_query_string(const QueryParams& decoded);

// Trims and collapses inner whitespace runs (including folded line breaks) to one space.
std::string canonical_header_value(std::string_view value);

// "name:value\n" for each signed name in the order given. Repeated headers join with ',' in
// arrival order; a signed name the request does not carry gets an empty value.
std::string canonical_headers(const std::vector<Header>& headers,
                              const std::vector<std::string>& signed_names);

std::string join_signed_headers(const std::vector<std::string>& signed_names);

std::string build_canonical_request(std::string_view method, std::string_view uri, std::string_view query,
                                    std::string_view headers_block, std::string_view signed_headers,
                                    std::string_view payload_hash);

// "yyyymmdd/region/service/aws4_request".
std::string credential_scope(std::string_view date, std::string_view region, std::string_view service);

std::string build_string_to_sign(std::string_view amz_date, std::string_view scope,
                                 std::string_view canonical_request);

// First header with that (case-insensitive) name, or nullptr.
const std::string* find_header(const std::vector<Header>& headers, std::string_view name);

// True for 64 hex digits: a real payload hash rather than UNSIGNED-PAYLOAD or STREAMING-*.
bool is_sha256_hex(std::string_view text);

}  // namespace fanout::auth::detail
