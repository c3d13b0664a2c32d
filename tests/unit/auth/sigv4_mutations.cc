#include "sigv4_mutations.h"

#include <gtest/gtest.h>

#include <functional>

#include "auth/canonical_request.h"
#include "common/ascii_text.h"

namespace fanout::auth::testing {
namespace {

std::string failure_name(const std::optional<AuthError>& error) {
  if (!error) return "accepted";
  switch (error->failure) {
    case AuthFailure::missing:
      return "missing";
    case AuthFailure::incomplete:
      return "incomplete";
    case AuthFailure::unsupported_algorithm:
      return "unsupported_algorithm";
    case AuthFailure::unknown_access_key:
      return "unknown_access_key";
    case AuthFailure::signature_mismatch:
      return "signature_mismatch";
    case AuthFailure::time_skewed:
      return "time_skewed";
    case AuthFailure::expired:
      return "expired";
    case AuthFailure::content_sha256_mismatch:
      return "content_sha256_mismatch";
  }
  return "?";
}

std::string* header_value(HttpRequest& request, std::string_view lower_name) {
  for (auto& [name, value] : request.headers) {
    if (ascii::iequals(name, lower_name)) return &value;
  }
  return nullptr;
}

// Replaces the first occurrence of from in the Authorization header or, when presigned, in the
// request-target. Returns false when there is nothing to replace.
bool replace_in_auth(HttpRequest& request, bool presigned, std::string_view from, std::string_view to) {
  std::string* text = presigned ? &request.target : header_value(request, "authorization");
  if (!text) return false;
  const auto pos = text->find(from);
  if (pos == std::string::npos) return false;
  text->replace(pos, from.size(), to);
  return true;
}

std::size_t path_end(const std::string& target) {
  const auto q = target.find('?');
  return q == std::string::npos ? target.size() : q;
}

}  // namespace

std::optional<AuthError> authenticate(const HttpRequest& request, const VerifyContext& context) {
  const ParseResult parsed = parse_auth(request);
  if (parsed.error) return parsed.error;
  VerifyOptions options;
  options.now_seconds = context.now;
  options.normalize_path = context.normalize_path;
  return verify_request(request, *parsed.auth, context.secret, options);
}

void expect_accepted_and_tamper_evident(const HttpRequest& signed_request, const VerifyContext& context) {
  const auto accepted = authenticate(signed_request, context);
  ASSERT_FALSE(accepted.has_value()) << failure_name(accepted) << ": " << accepted->message;
  const ParseResult parsed = parse_auth(signed_request);
  ASSERT_TRUE(parsed.auth);
  const ParsedAuth& auth = *parsed.auth;
  const bool presigned = auth.presigned;

  auto expect = [&](const char* what, AuthFailure failure, const std::function<bool(HttpRequest&)>& mutate) {
    HttpRequest request = signed_request;
    if (!mutate(request)) return;  // not applicable to this request
    const auto result = authenticate(request, context);
    EXPECT_TRUE(result.has_value() && result->failure == failure)
        << what << ": expected failure " << static_cast<int>(failure) << ", got " << failure_name(result)
        << (result ? ": " + result->message : "");
  };

  expect("signature byte", AuthFailure::signature_mismatch, [&](HttpRequest& r) {
    std::string* text = presigned ? &r.target : header_value(r, "authorization");
    const std::string marker = presigned ? "X-Amz-Signature=" : "Signature=";
    const auto pos = text->rfind(marker);
    if (pos == std::string::npos) return false;
    char& c = (*text)[pos + marker.size()];
    c = c == '0' ? '1' : '0';
    return true;
  });

  expect("signed header value", AuthFailure::signature_mismatch, [&](HttpRequest& r) {
    // host where signed (it always is in practice), otherwise the first signed header that is not
    // a date (changing the date is a different test).
    std::string name;
    for (const auto& candidate : auth.signed_headers) {
      if (candidate == "host") name = candidate;
    }
    for (const auto& candidate : auth.signed_headers) {
      if (name.empty() && candidate != "x-amz-date" && candidate != "date" && header_value(r, candidate)) {
        name = candidate;
      }
    }
    std::string* value = name.empty() ? nullptr : header_value(r, name);
    if (!value) return false;
    *value += "x";
    return true;
  });

  expect("path", AuthFailure::signature_mismatch, [&](HttpRequest& r) {
    r.target.insert(path_end(r.target), "x");
    return true;
  });

  expect("query", AuthFailure::signature_mismatch, [&](HttpRequest& r) {
    r.target += r.target.find('?') == std::string::npos ? "?fanout=1" : "&fanout=1";
    return true;
  });

  // The body is covered unless the request declared an unsigned or streaming payload.
  const std::string* declared = detail::find_header(signed_request.headers, "x-amz-content-sha256");
  const bool body_signed = declared ? detail::is_sha256_hex(detail::canonical_header_value(*declared))
                                    : !(presigned && auth.scope.service == "s3");
  if (body_signed) {
    const AuthFailure failure =
        declared ? AuthFailure::content_sha256_mismatch : AuthFailure::signature_mismatch;
    expect("body", failure, [&](HttpRequest& r) {
      r.body += "x";
      return true;
    });
  }

  const std::string region = auth.scope.region;
  const std::string service = auth.scope.service;
  expect("region in scope", AuthFailure::signature_mismatch, [&](HttpRequest& r) {
    return presigned ? replace_in_auth(r, true, "%2F" + region + "%2F", "%2Fus-west-2%2F")
                     : replace_in_auth(r, false, "/" + region + "/", "/us-west-2/");
  });
  expect("service in scope", AuthFailure::signature_mismatch, [&](HttpRequest& r) {
    return presigned
               ? replace_in_auth(r, true, "%2F" + service + "%2Faws4_request", "%2Fother%2Faws4_request")
               : replace_in_auth(r, false, "/" + service + "/aws4_request", "/other/aws4_request");
  });

  // A date other than the scope's: the next day at the same time.
  const std::string next_day = format_amz_date(*parse_amz_date(auth.amz_date) + 86400);
  expect("X-Amz-Date outside the scope date", AuthFailure::signature_mismatch, [&](HttpRequest& r) {
    if (presigned) return replace_in_auth(r, true, "X-Amz-Date=" + auth.amz_date, "X-Amz-Date=" + next_day);
    std::string* date = header_value(r, "x-amz-date");
    if (!date) return false;
    *date = next_day;
    return true;
  });

  // Clock checks, on the untouched request.
  const std::int64_t signed_at = *parse_amz_date(auth.amz_date);
  auto at = [&](std::int64_t now) {
    VerifyContext shifted = context;
    shifted.now = now;
    return authenticate(signed_request, shifted);
  };
  if (presigned) {
    EXPECT_FALSE(at(signed_at + auth.expires_seconds).has_value()) << "valid up to the last second";
    const auto expired = at(signed_at + auth.expires_seconds + 1);
    EXPECT_TRUE(expired && expired->failure == AuthFailure::expired) << failure_name(expired);
  } else {
    EXPECT_FALSE(at(signed_at + 15L * 60).has_value());
    EXPECT_FALSE(at(signed_at - 15L * 60).has_value());
    const auto late = at(signed_at + 15L * 60 + 1);
    EXPECT_TRUE(late && late->failure == AuthFailure::time_skewed) << failure_name(late);
    const auto early = at(signed_at - 15L * 60 - 1);
    EXPECT_TRUE(early && early->failure == AuthFailure::time_skewed) << failure_name(early);
  }

  // A different secret.
  VerifyContext wrong_secret = context;
  wrong_secret.secret += "x";
  const auto result = authenticate(signed_request, wrong_secret);
  EXPECT_TRUE(result && result->failure == AuthFailure::signature_mismatch) << failure_name(result);
}

}  // namespace fanout::auth::testing
