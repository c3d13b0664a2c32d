// AWS Signature Version 4: one module that signs (client library) and verifies (fanoutd).
// The canonicalisation is shared, so a request fanoutd verifies is byte-for-byte the request
// the signer would produce.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fanout::auth {

using Header = std::pair<std::string, std::string>;

// An HTTP request as it travels on the wire (or is about to).
struct HttpRequest {
  std::string method;
  std::string target;           // the request-target as sent: raw path plus optional "?query"
  std::vector<Header> headers;  // in arrival order, names as sent
  std::string body;
};

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty when none
};

// "20150830T123600Z" <-> seconds since the epoch. nullopt for malformed input.
std::optional<std::int64_t> parse_amz_date(std::string_view text);
std::string format_amz_date(std::int64_t epoch_seconds);

// The parsed Credential scope "AKID/20150830/us-east-1/service/aws4_request".
struct CredentialScope {
  std::string access_key_id;
  std::string date;  // yyyymmdd
  std::string region;
  std::string service;
};

// What a request's SigV4 authentication says, before any check of the signature.
struct ParsedAuth {
  bool presigned = false;  // true for X-Amz-Algorithm in the query string
  CredentialScope scope;
  std::vector<std::string> signed_headers;  // lower-case, as listed
  std::string signature;                    // hex
  std::string amz_date;                     // X-Amz-Date (header or query), or Date header
  std::int64_t expires_seconds = 0;         // X-Amz-Expires for presigned requests
  std::string session_token;
};

// Why a request failed authentication. The dispatch layer maps each reason to the
// calling service's AWS error code and status.
enum class AuthFailure {
  missing,     // no Authorization header and no presign query (MissingAuthenticationToken)
  incomplete,  // malformed/incomplete Authorization (IncompleteSignature / AuthorizationHeaderMalformed)
  unsupported_algorithm,
  unknown_access_key,       // InvalidClientTokenId / InvalidAccessKeyId
  signature_mismatch,       // SignatureDoesNotMatch
  time_skewed,              // RequestTimeTooSkewed (beyond 15 minutes)
  expired,                  // presigned URL past X-Amz-Expires (AccessDenied / "Request has expired")
  content_sha256_mismatch,  // x-amz-content-sha256 disagrees with the body (S3)
};

struct AuthError {
  AuthFailure failure;
  std::string message;  // AWS-style human message
};

// Parses the Authorization header or presigned query of a request.
// Returns AuthError{missing} when the request carries no SigV4 authentication at all.
struct ParseResult {
  std::optional<ParsedAuth> auth;
  std::optional<AuthError> error;
};
ParseResult parse_auth(const HttpRequest& request);

struct SigningOptions {
  std::string region;
  std::string service;
  std::int64_t time_seconds = 0;     // signing time, seconds since epoch
  bool normalize_path = true;        // false for S3 (URI used as given, encoded once)
  bool sign_body = false;            // add and sign x-amz-content-sha256
  bool omit_session_token = false;   // presign: add X-Amz-Security-Token after signing
  std::int64_t expires_seconds = 0;  // presign only
};

// The intermediate values of one signing, for conformance tests and error messages.
struct SigningResult {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;      // hex
  std::string authorization;  // full Authorization header value (header signing only)
};

// Signs the request in place: adds X-Amz-Date (and X-Amz-Security-Token, x-amz-content-sha256
// where asked) and Authorization.
SigningResult sign_request(HttpRequest& request, const Credentials& creds, const SigningOptions& options);
// Presigns the request in place: appends the X-Amz-* query parameters including X-Amz-Signature.
SigningResult presign_request(HttpRequest& request, const Credentials& creds, const SigningOptions& options);

// Derives (and caches per key/date/region/service) the signing key.
std::string derive_signing_key(std::string_view secret, std::string_view date, std::string_view region,
                               std::string_view service);
// The request signature: hex HMAC-SHA256 of the string to sign under that signing key, whose
// HMAC states are cached beside it.
std::string signature_for(std::string_view secret, std::string_view date, std::string_view region,
                          std::string_view service, std::string_view string_to_sign);

struct VerifyOptions {
  std::int64_t now_seconds = 0;
  bool check_time = true;      // the 15-minute skew rule and presign expiry
  bool normalize_path = true;  // false for S3
  // false when the body was not buffered (S3 uploads stream to a file): the caller compares
  // x-amz-content-sha256 with the digest it computed while the body streamed.
  bool check_payload_hash = true;
};

// Checks the signature of a parsed request against the secret. nullopt when it verifies.
std::optional<AuthError> verify_request(const HttpRequest& request, const ParsedAuth& auth,
                                        std::string_view secret_access_key, const VerifyOptions& options);

// The canonical request, string-to-sign and signature the server expects for a parsed request:
// what S3 reports in SignatureDoesNotMatch errors, and what a debugging client wants to see.
SigningResult recompute_signature(const HttpRequest& request, const ParsedAuth& auth,
                                  std::string_view secret_access_key, bool normalize_path);

// Checks the credential scope against the region and service the request was routed to (an
// empty expectation is not checked). verify_request cannot know either; AWS refuses a request
// scoped to another region or service even when its signature is valid.
std::optional<AuthError> check_scope(const ParsedAuth& auth, std::string_view region,
                                     std::string_view service);

}  // namespace fanout::auth
