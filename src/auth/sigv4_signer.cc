// Client side: signs a request with an Authorization header or as a presigned URL.
#include <algorithm>
#include <set>

#include "auth/canonical_request.h"
#include "auth/sigv4.h"
#include "auth/uri_encoding.h"
#include "common/ascii_text.h"
#include "common/crypto.h"
#include "common/percent_encoding.h"

namespace fanout::auth {
namespace {

using detail::kAlgorithm;
using detail::kUnsignedPayload;

// Headers a proxy or the HTTP stack may add, drop or rewrite in transit, so signing them would
// only produce spurious mismatches (the same list botocore and aws-c-auth leave out, plus the
// hop-by-hop headers of RFC 9110).
bool is_unsignable(std::string_view lower_name) {
  static constexpr std::string_view kSkipped[] = {
      "authorization", "user-agent",       "x-amzn-trace-id",   "expect", "connection", "keep-alive",
      "upgrade",       "proxy-connection", "transfer-encoding", "te",     "trailer"};
  return std::find(std::begin(kSkipped), std::end(kSkipped), lower_name) != std::end(kSkipped);
}

// Replaces the value of the first header of that name (keeping its position and spelling), or
// appends it.
void set_header(HttpRequest& request, std::string_view name, std::string value) {
  for (auto& header : request.headers) {
    if (ascii::iequals(header.first, name)) {
      header.second = std::move(value);
      return;
    }
  }
  request.headers.emplace_back(std::string(name), std::move(value));
}

void remove_header(HttpRequest& request, std::string_view lower_name) {
  std::erase_if(request.headers, [&](const Header& h) { return ascii::iequals(h.first, lower_name); });
}

std::vector<std::string> names_to_sign(const HttpRequest& request, bool omit_session_token) {
  std::set<std::string> names;
  for (const auto& [name, value] : request.headers) {
    std::string lower = ascii::lower(name);
    if (is_unsignable(lower)) continue;
    if (omit_session_token && lower == "x-amz-security-token") continue;
    names.insert(std::move(lower));
  }
  return {names.begin(), names.end()};
}

SigningResult sign(const HttpRequest& request, const Credentials& creds, const SigningOptions& options,
                   const std::string& amz_date, const std::string& query,
                   const std::vector<std::string>& names, const std::string& payload_hash) {
  const auto parts = detail::split_target(request.target);
  const std::string date = amz_date.substr(0, 8);
  SigningResult result;
  result.canonical_request = detail::build_canonical_request(
      request.method, detail::canonical_uri(parts.path, options.normalize_path), query,
      detail::canonical_headers(request.headers, names), detail::join_signed_headers(names), payload_hash);
  result.string_to_sign = detail::build_string_to_sign(
      amz_date, detail::credential_scope(date, options.region, options.service), result.canonical_request);
  result.signature =
      signature_for(creds.secret_access_key, date, options.region, options.service, result.string_to_sign);
  return result;
}

}  // namespace

SigningResult sign_request(HttpRequest& request, const Credentials& creds, const SigningOptions& options) {
  const std::string amz_date = format_amz_date(options.time_seconds);
  const std::string date = amz_date.substr(0, 8);
  remove_header(request, "authorization");
  // Appended in this order to match the AWS test suite's signed requests.
  if (!creds.session_token.empty()) set_header(request, "X-Amz-Security-Token", creds.session_token);
  set_header(request, "X-Amz-Date", amz_date);
  if (options.sign_body && !detail::find_header(request.headers, "x-amz-content-sha256")) {
    request.headers.emplace_back("x-amz-content-sha256", crypto::hex(crypto::sha256(request.body)));
  }
  const std::string* declared = detail::find_header(request.headers, "x-amz-content-sha256");
  const std::string payload_hash =
      declared ? detail::canonical_header_value(*declared) : crypto::hex(crypto::sha256(request.body));

  const auto parts = detail::split_target(request.target);
  const std::vector<std::string> names = names_to_sign(request, options.omit_session_token);
  SigningResult result =
      sign(request, creds, options, amz_date,
           detail::canonical_query_string(detail::parse_query(parts.query)), names, payload_hash);
  result.authorization = std::string(kAlgorithm) + " Credential=" + creds.access_key_id + "/" +
                         detail::credential_scope(date, options.region, options.service) +
                         ", SignedHeaders=" + detail::join_signed_headers(names) +
                         ", Signature=" + result.signature;
  request.headers.emplace_back("Authorization", result.authorization);
  return result;
}

SigningResult presign_request(HttpRequest& request, const Credentials& creds, const SigningOptions& options) {
  const std::string amz_date = format_amz_date(options.time_seconds);
  const std::string date = amz_date.substr(0, 8);
  const auto parts = detail::split_target(request.target);
  detail::QueryParams params = detail::parse_query(parts.query);

  // Payload: a declared hash (header, then query) wins, as on the verifying side.
  std::string payload_hash;
  if (const std::string* declared = detail::find_header(request.headers, "x-amz-content-sha256")) {
    payload_hash = detail::canonical_header_value(*declared);
  } else if (auto it = std::find_if(params.begin(), params.end(),
                                    [](const auto& p) { return p.first == "X-Amz-Content-Sha256"; });
             it != params.end()) {
    payload_hash = it->second;
  } else if (options.service == "s3") {
    payload_hash = std::string(kUnsignedPayload);
  } else {
    payload_hash = crypto::hex(crypto::sha256(request.body));
  }

  const std::vector<std::string> names = names_to_sign(request, false);
  // In the order the AWS test suite's presigned URLs list them.
  detail::QueryParams added = {
      {"X-Amz-Algorithm", std::string(kAlgorithm)},
      {"X-Amz-Credential",
       creds.access_key_id + "/" + detail::credential_scope(date, options.region, options.service)},
      {"X-Amz-Date", amz_date},
      {"X-Amz-SignedHeaders", detail::join_signed_headers(names)},
      {"X-Amz-Expires", std::to_string(options.expires_seconds)},
  };
  const bool token = !creds.session_token.empty();
  if (token && !options.omit_session_token) added.emplace_back("X-Amz-Security-Token", creds.session_token);

  detail::QueryParams signed_params = params;
  signed_params.insert(signed_params.end(), added.begin(), added.end());
  SigningResult result = sign(request, creds, options, amz_date,
                              detail::canonical_query_string(signed_params), names, payload_hash);

  if (token && options.omit_session_token) added.emplace_back("X-Amz-Security-Token", creds.session_token);
  added.emplace_back("X-Amz-Signature", result.signature);
  std::string& target = request.target;
  if (target.find('?') == std::string::npos) {
    target += '?';
  } else if (target.back() != '?' && target.back() != '&') {
    target += '&';
  }
  for (std::size_t i = 0; i < added.size(); ++i) {
    if (i > 0) target += '&';
    target += percent_encoding::encode(added[i].first);
    target += '=';
    target += percent_encoding::encode(added[i].second);
  }
  return result;
}

}  // namespace fanout::auth
