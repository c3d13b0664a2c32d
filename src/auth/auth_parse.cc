// Extraction of SigV4 parameters from the Authorization header or the presigned query string.
// Runs on untrusted input before anything is authenticated, so it only slices, bounds and copies:
// no exceptions from parsing, no unchecked indexing. Messages follow AWS's wording.
#include <algorithm>
#include <array>
#include <set>

#include "auth/canonical_request.h"
#include "auth/http_date.h"
#include "auth/sigv4.h"
#include "auth/uri_encoding.h"
#include "common/ascii_text.h"

namespace fanout::auth {
namespace {

using detail::kAlgorithm;

constexpr std::int64_t kMaxPresignExpires = 604800;  // one week, AWS's hard limit
// Echoed request text is capped so an error message stays small whatever the client sent.
constexpr std::size_t kMaxEcho = 512;

// Client text quoted in a message: bounded, and printable ASCII only so that every protocol's
// error envelope (XML 1.0, JSON) can carry it.
std::string echo(std::string_view text) {
  std::string out;
  const std::size_t n = std::min(text.size(), kMaxEcho);
  out.reserve(n + 3);
  for (std::size_t i = 0; i < n; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    out += (c >= 0x20 && c < 0x7f) ? static_cast<char>(c) : '?';
  }
  if (text.size() > kMaxEcho) out += "...";
  return out;
}

ParseResult fail(AuthFailure failure, std::string message) {
  ParseResult result;
  result.error = AuthError{failure, std::move(message)};
  return result;
}

// "AKID/20150830/us-east-1/service/aws4_request" -> scope, or the AWS message for what is wrong.
std::optional<std::string> parse_credential(std::string_view text, CredentialScope& scope) {
  std::array<std::string_view, 6> parts;  // a sixth element means too many
  std::size_t count = 0;
  std::size_t start = 0;
  while (count < parts.size()) {
    const auto slash = text.find('/', start);
    parts[count++] =
        text.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  if (count != 5) {
    return "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, "
           "got '" +
           echo(text) + "'";
  }
  if (parts[4] != "aws4_request") {
    return "Credential should be scoped with a valid terminator: 'aws4_request', not '" + echo(parts[4]) +
           "'.";
  }
  if (parts[0].empty()) return std::string("Credential must contain a non-empty access key id.");
  const bool date_ok = parts[1].size() == 8 && std::all_of(parts[1].begin(), parts[1].end(),
                                                           [](char c) { return c >= '0' && c <= '9'; });
  if (!date_ok)
    return "Invalid credential date \"" + echo(parts[1]) + "\". It must be in the yyyyMMdd format.";
  if (parts[2].empty()) return std::string("Credential should be scoped to a valid region, not ''.");
  if (parts[3].empty()) return std::string("Credential should be scoped to correct service: ''.");
  scope.access_key_id = std::string(parts[0]);
  scope.date = std::string(parts[1]);
  scope.region = std::string(parts[2]);
  scope.service = std::string(parts[3]);
  return std::nullopt;
}

// The message for the first name, in the client's order, that repeats an earlier one; nullopt when
// none does. Sorting views finds out in O(n log n) without a node allocation per name (a set on
// every request was a fifth of parse_auth's time); the set runs only to word the error.
std::optional<std::string> repeated_header_name(const std::vector<std::string>& names) {
  std::vector<std::string_view> sorted(names.begin(), names.end());
  if (!std::is_sorted(sorted.begin(), sorted.end())) std::sort(sorted.begin(), sorted.end());
  if (std::adjacent_find(sorted.begin(), sorted.end()) == sorted.end()) return std::nullopt;
  std::set<std::string_view> seen;
  for (const auto& name : names) {
    if (!seen.insert(name).second) return "SignedHeaders lists '" + echo(name) + "' more than once.";
  }
  return std::nullopt;
}

// "host;x-amz-date" -> lower-case names. Duplicates are refused: no signer emits them, and
// allowing them would let one request inflate the canonical request without bound.
std::optional<std::string> parse_signed_headers(std::string_view text, std::vector<std::string>& names) {
  names.reserve(static_cast<std::size_t>(std::count(text.begin(), text.end(), ';')) + 1);
  std::size_t start = 0;
  while (start <= text.size()) {
    auto end = text.find(';', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view name = ascii::trim(text.substr(start, end - start));
    if (name.empty()) {
      // A repeat before the empty name is reported first, as when each name was checked in turn.
      if (auto repeated = repeated_header_name(names)) return repeated;
      return "SignedHeaders contains an empty header name: '" + echo(text) + "'";
    }
    names.push_back(ascii::lower(name));
    start = end + 1;
  }
  return repeated_header_name(names);
}

ParseResult parse_header_auth(const HttpRequest& request, std::string_view value) {
  value = ascii::trim(value);
  const auto space = std::find_if(value.begin(), value.end(), ascii::is_space);
  const std::string_view algorithm = value.substr(0, static_cast<std::size_t>(space - value.begin()));
  if (algorithm != kAlgorithm) {
    if (algorithm.empty()) {
      return fail(AuthFailure::incomplete,
                  "Authorization header requires 'Credential' parameter. Authorization "
                  "header requires 'Signature' parameter. Authorization header requires "
                  "'SignedHeaders' parameter. Authorization=");
    }
    return fail(
        AuthFailure::unsupported_algorithm,
        "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.");
  }

  // AWS accepts ", " or "," between components (the S3 documentation's examples use the latter),
  // so split on any run of commas and whitespace; the values themselves never contain either.
  // (A character test, not find_first_of with a set: libstdc++ calls memchr once per byte for
  // that. This loop and the set of parse_signed_headers made parse_auth 6% of fanoutd's CPU under
  // a SendMessage load.)
  const auto is_separator = [](char c) { return c == ',' || ascii::is_space(c); };
  std::optional<std::string_view> credential, signed_headers, signature;
  std::string_view rest = value.substr(algorithm.size());
  while (!rest.empty()) {
    const auto begin = std::find_if_not(rest.begin(), rest.end(), is_separator);
    if (begin == rest.end()) break;
    rest.remove_prefix(static_cast<std::size_t>(begin - rest.begin()));
    const auto end =
        static_cast<std::size_t>(std::find_if(rest.begin(), rest.end(), is_separator) - rest.begin());
    const std::string_view component = rest.substr(0, end);
    rest.remove_prefix(end);
    const auto eq = component.find('=');
    if (eq == std::string_view::npos) continue;
    const std::string_view key = component.substr(0, eq);
    const std::string_view val = component.substr(eq + 1);
    if (val.empty()) continue;
    if (key == "Credential" && !credential) credential = val;
    if (key == "SignedHeaders" && !signed_headers) signed_headers = val;
    if (key == "Signature" && !signature) signature = val;
  }

  const std::string* amz_date = detail::find_header(request.headers, "x-amz-date");
  const std::string* http_date = amz_date ? nullptr : detail::find_header(request.headers, "date");

  std::string missing;
  auto require = [&](bool present, std::string_view sentence) {
    if (present) return;
    if (!missing.empty()) missing += ' ';
    missing += sentence;
  };
  require(credential.has_value(), "Authorization header requires 'Credential' parameter.");
  require(signature.has_value(), "Authorization header requires 'Signature' parameter.");
  require(signed_headers.has_value(), "Authorization header requires 'SignedHeaders' parameter.");
  require(amz_date || http_date,
          "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
  if (!missing.empty()) return fail(AuthFailure::incomplete, missing + " Authorization=" + echo(value));

  ParsedAuth auth;
  auth.presigned = false;
  if (auto error = parse_credential(*credential, auth.scope)) return fail(AuthFailure::incomplete, *error);
  if (auto error = parse_signed_headers(*signed_headers, auth.signed_headers)) {
    return fail(AuthFailure::incomplete, *error);
  }
  auth.signature = std::string(*signature);
  if (amz_date) {
    const std::string_view text = ascii::trim(*amz_date);
    if (!parse_amz_date(text)) {
      return fail(
          AuthFailure::incomplete,
          "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\", got '" + echo(text) + "'");
    }
    auth.amz_date = std::string(text);
  } else {
    const auto seconds = detail::parse_http_date(ascii::trim(*http_date));
    if (!seconds) {
      return fail(AuthFailure::incomplete,
                  "Date header must be in the RFC 1123 format, got '" + echo(*http_date) + "'");
    }
    auth.amz_date = format_amz_date(*seconds);
  }
  if (const std::string* token = detail::find_header(request.headers, "x-amz-security-token")) {
    auth.session_token = std::string(ascii::trim(*token));
  }
  ParseResult result;
  result.auth = std::move(auth);
  return result;
}

ParseResult parse_query_auth(const detail::QueryParams& params) {
  static constexpr std::string_view kNames[] = {
      "X-Amz-Algorithm",     "X-Amz-Credential", "X-Amz-Signature",     "X-Amz-Date",
      "X-Amz-SignedHeaders", "X-Amz-Expires",    "X-Amz-Security-Token"};
  constexpr std::size_t kRequired = 6;  // all but the token
  const std::string* found[std::size(kNames)] = {};
  for (const auto& [key, value] : params) {
    for (std::size_t i = 0; i < std::size(kNames); ++i) {
      if (key != kNames[i]) continue;
      if (found[i])
        return fail(AuthFailure::incomplete, "Duplicate query parameter '" + std::string(key) + "'.");
      found[i] = &value;
    }
  }
  for (std::size_t i = 0; i < kRequired; ++i) {
    if (!found[i] || found[i]->empty()) {
      return fail(AuthFailure::incomplete,
                  "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, "
                  "X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.");
    }
  }
  const std::string& algorithm = *found[0];
  const std::string& credential = *found[1];
  const std::string& signature = *found[2];
  const std::string& date = *found[3];
  const std::string& signed_headers = *found[4];
  const std::string& expires = *found[5];

  if (algorithm != kAlgorithm) {
    return fail(AuthFailure::unsupported_algorithm, "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"");
  }
  ParsedAuth auth;
  auth.presigned = true;
  if (auto error = parse_credential(credential, auth.scope)) return fail(AuthFailure::incomplete, *error);
  if (auto error = parse_signed_headers(signed_headers, auth.signed_headers)) {
    return fail(AuthFailure::incomplete, *error);
  }
  if (!parse_amz_date(date)) {
    return fail(AuthFailure::incomplete,
                "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"");
  }
  auth.amz_date = date;
  if (!expires.empty() && expires.front() == '-') {
    return fail(AuthFailure::incomplete, "X-Amz-Expires must be non-negative");
  }
  // Digits only and at most 18 of them, so the value always fits an int64.
  if (expires.size() > 18 ||
      !std::all_of(expires.begin(), expires.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return fail(AuthFailure::incomplete, "X-Amz-Expires should be a number");
  }
  std::int64_t seconds = 0;
  for (char c : expires) seconds = seconds * 10 + (c - '0');
  if (seconds > kMaxPresignExpires) {
    return fail(AuthFailure::incomplete,
                "X-Amz-Expires must be less than a week (in seconds) that is 604800");
  }
  auth.expires_seconds = seconds;
  auth.signature = signature;
  if (found[6]) auth.session_token = *found[6];
  ParseResult result;
  result.auth = std::move(auth);
  return result;
}

}  // namespace

ParseResult parse_auth(const HttpRequest& request) {
  const auto parts = detail::split_target(request.target);
  // Only parse the query when it can hold presign parameters; most requests carry a header.
  detail::QueryParams params;
  bool presigned = false;
  if (parts.query.find("X-Amz-") != std::string_view::npos ||
      parts.query.find('%') != std::string_view::npos) {
    params = detail::parse_query(parts.query);
    presigned = std::any_of(params.begin(), params.end(), [](const auto& p) {
      return p.first == "X-Amz-Algorithm" || p.first == "X-Amz-Credential" || p.first == "X-Amz-Signature";
    });
  }
  const std::string* authorization = detail::find_header(request.headers, "authorization");
  if (authorization && presigned) {
    return fail(AuthFailure::incomplete,
                "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query "
                "string parameter or the Authorization header should be specified");
  }
  if (authorization) return parse_header_auth(request, *authorization);
  if (presigned) return parse_query_auth(params);
  return fail(AuthFailure::missing, "Request is missing Authentication Token");
}

}  // namespace fanout::auth
