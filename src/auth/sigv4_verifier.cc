// Server side: recomputes a request's signature from what it carries and compares.
#include <algorithm>

#include "auth/canonical_request.h"
#include "auth/sigv4.h"
#include "auth/uri_encoding.h"
#include "common/ascii_text.h"
#include "common/crypto.h"

namespace fanout::auth {
namespace {

using detail::kUnsignedPayload;

constexpr std::int64_t kMaxSkewSeconds = std::int64_t{15} * 60;

AuthError error(AuthFailure failure, std::string message) { return AuthError{failure, std::move(message)}; }

bool is_s3(const ParsedAuth& auth) { return auth.scope.service == "s3"; }

std::string mismatch_message(const ParsedAuth& auth) {
  if (is_s3(auth)) {
    return "The request signature we calculated does not match the signature you provided. Check your key "
           "and "
           "signing method.";
  }
  return "The request signature we calculated does not match the signature you provided. Check your AWS "
         "Secret "
         "Access Key and signing method. Consult the service documentation for details.";
}

// The payload hash the client must have signed. A presigned URL cannot know its body, hence
// UNSIGNED-PAYLOAD for S3; other services hash the body as with header signing.
std::string payload_hash(const HttpRequest& request, const ParsedAuth& auth,
                         const detail::QueryParams& params) {
  if (const std::string* header = detail::find_header(request.headers, "x-amz-content-sha256")) {
    return detail::canonical_header_value(*header);
  }
  if (auth.presigned) {
    for (const auto& [key, value] : params) {
      if (key == "X-Amz-Content-Sha256") return value;
    }
    if (is_s3(auth)) return std::string(kUnsignedPayload);
  }
  return crypto::hex(crypto::sha256(request.body));
}

struct Recomputed {
  SigningResult primary;
  // For a presigned URL carrying X-Amz-Security-Token: the signature with the token left out of
  // the canonical query, as services that append the token after signing produce it.
  std::optional<SigningResult> token_appended;
};

SigningResult finish(const ParsedAuth& auth, std::string_view secret, std::string canonical_request) {
  SigningResult result;
  result.canonical_request = std::move(canonical_request);
  const std::string scope = detail::credential_scope(auth.scope.date, auth.scope.region, auth.scope.service);
  result.string_to_sign = detail::build_string_to_sign(auth.amz_date, scope, result.canonical_request);
  result.signature =
      signature_for(secret, auth.scope.date, auth.scope.region, auth.scope.service, result.string_to_sign);
  return result;
}

Recomputed recompute(const HttpRequest& request, const ParsedAuth& auth, std::string_view secret,
                     bool normalize_path, bool want_token_variant) {
  const auto parts = detail::split_target(request.target);
  detail::QueryParams params = detail::parse_query(parts.query);
  const std::string hash = payload_hash(request, auth, params);
  if (auth.presigned) {
    std::erase_if(params, [](const auto& p) { return p.first == "X-Amz-Signature"; });
  }
  const std::string uri = detail::canonical_uri(parts.path, normalize_path);
  const std::string headers = detail::canonical_headers(request.headers, auth.signed_headers);
  const std::string signed_headers = detail::join_signed_headers(auth.signed_headers);

  Recomputed out;
  out.primary =
      finish(auth, secret,
             detail::build_canonical_request(request.method, uri, detail::canonical_query_string(params),
                                             headers, signed_headers, hash));
  if (want_token_variant && auth.presigned) {
    const auto before = params.size();
    std::erase_if(params, [](const auto& p) { return p.first == "X-Amz-Security-Token"; });
    if (params.size() != before) {
      out.token_appended =
          finish(auth, secret,
                 detail::build_canonical_request(request.method, uri, detail::canonical_query_string(params),
                                                 headers, signed_headers, hash));
    }
  }
  return out;
}

std::optional<AuthError> check_time(const ParsedAuth& auth, std::int64_t date, std::int64_t now) {
  if (auth.presigned) {
    if (date - now > kMaxSkewSeconds) return error(AuthFailure::time_skewed, "Request is not valid yet");
    if (now > date + auth.expires_seconds) return error(AuthFailure::expired, "Request has expired");
    return std::nullopt;
  }
  if (date - now > kMaxSkewSeconds) {
    if (is_s3(auth)) {
      return error(AuthFailure::time_skewed,
                   "The difference between the request time and the current time is too large.");
    }
    return error(AuthFailure::time_skewed,
                 "Signature not yet current: " + auth.amz_date + " is still later than " +
                     format_amz_date(now + kMaxSkewSeconds) + " (" + format_amz_date(now) + " + 15 min.)");
  }
  if (now - date > kMaxSkewSeconds) {
    if (is_s3(auth)) {
      return error(AuthFailure::time_skewed,
                   "The difference between the request time and the current time is too large.");
    }
    return error(AuthFailure::time_skewed, "Signature expired: " + auth.amz_date + " is now earlier than " +
                                               format_amz_date(now - kMaxSkewSeconds) + " (" +
                                               format_amz_date(now) + " - 15 min.)");
  }
  return std::nullopt;
}

}  // namespace

SigningResult recompute_signature(const HttpRequest& request, const ParsedAuth& auth,
                                  std::string_view secret_access_key, bool normalize_path) {
  return recompute(request, auth, secret_access_key, normalize_path, false).primary;
}

std::optional<AuthError> check_scope(const ParsedAuth& auth, std::string_view region,
                                     std::string_view service) {
  if (!region.empty() && auth.scope.region != region) {
    if (is_s3(auth)) {
      return error(AuthFailure::incomplete, "The authorization header is malformed; the region '" +
                                                auth.scope.region + "' is wrong; expecting '" +
                                                std::string(region) + "'");
    }
    return error(AuthFailure::signature_mismatch,
                 "Credential should be scoped to a valid region, not '" + auth.scope.region + "'. ");
  }
  if (!service.empty() && auth.scope.service != service) {
    return error(AuthFailure::signature_mismatch,
                 "Credential should be scoped to correct service: '" + std::string(service) + "'. ");
  }
  return std::nullopt;
}

std::optional<AuthError> verify_request(const HttpRequest& request, const ParsedAuth& auth,
                                        std::string_view secret_access_key, const VerifyOptions& options) {
  const auto date = parse_amz_date(auth.amz_date);
  if (!date) {
    return error(AuthFailure::incomplete,
                 "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"");
  }
  if (auth.amz_date.compare(0, 8, auth.scope.date) != 0) {
    return error(
        AuthFailure::signature_mismatch,
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '" +
            auth.scope.date + "' != '" + auth.amz_date.substr(0, 8) + "', from '" + auth.amz_date + "'.");
  }
  if (auth.presigned && (auth.expires_seconds < 0 || auth.expires_seconds > 604800)) {
    return error(AuthFailure::incomplete,
                 "X-Amz-Expires must be less than a week (in seconds) that is 604800");
  }
  if (options.check_time) {
    // Clamped so that the arithmetic below cannot overflow whatever clock value is passed in;
    // 2^40 seconds is some 35,000 years either side of 1970.
    const std::int64_t now =
        std::clamp<std::int64_t>(options.now_seconds, -(std::int64_t{1} << 40), std::int64_t{1} << 40);
    if (auto failure = check_time(auth, *date, now)) return failure;
  }

  const Recomputed expected = recompute(request, auth, secret_access_key, options.normalize_path, true);
  bool matched = crypto::constant_time_equals(expected.primary.signature, auth.signature);
  if (!matched && expected.token_appended) {
    matched = crypto::constant_time_equals(expected.token_appended->signature, auth.signature);
  }
  if (!matched) return error(AuthFailure::signature_mismatch, mismatch_message(auth));

  // The signature covers the declared hash; this ties the body to it.
  const std::string* declared =
      options.check_payload_hash ? detail::find_header(request.headers, "x-amz-content-sha256") : nullptr;
  if (declared) {
    const std::string value = detail::canonical_header_value(*declared);
    if (detail::is_sha256_hex(value) &&
        !crypto::constant_time_equals(ascii::lower(value), crypto::hex(crypto::sha256(request.body)))) {
      return error(AuthFailure::content_sha256_mismatch,
                   "The provided 'x-amz-content-sha256' header does not match what was computed.");
    }
  }
  return std::nullopt;
}

}  // namespace fanout::auth
