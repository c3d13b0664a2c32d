// Verifier behaviour beyond the vectors: AWS's messages, clock rules, payload hashes, scope
// checks, sign/verify round trips and the signing-key cache.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "auth/sigv4.h"
#include "common/crypto.h"
#include "sigv4_mutations.h"
#include "sigv4_test_support.h"

namespace fanout::auth::testing {
namespace {

constexpr std::int64_t kT = 1440938160;  // 20150830T123600Z

Credentials creds(std::string token = "") {
  return Credentials{"AKIDEXAMPLE", std::string(kExampleSecret), std::move(token)};
}

SigningOptions options(std::string service = "service", bool normalize = true) {
  SigningOptions o;
  o.region = "us-east-1";
  o.service = std::move(service);
  o.time_seconds = kT;
  o.normalize_path = normalize;
  o.expires_seconds = 3600;
  return o;
}

HttpRequest request(std::string method = "GET", std::string target = "/") {
  HttpRequest r;
  r.method = std::move(method);
  r.target = std::move(target);
  r.headers.emplace_back("Host", "example.amazonaws.com");
  return r;
}

std::optional<AuthError> verify_at(const HttpRequest& r, std::int64_t now, bool normalize = true) {
  return authenticate(r, VerifyContext{std::string(kExampleSecret), normalize, now});
}

TEST(SigV4Verify, AcceptsItsOwnSignatureAtTheSigningTime) {
  HttpRequest r = request();
  sign_request(r, creds(), options());
  EXPECT_EQ(verify_at(r, kT), std::nullopt);
  expect_accepted_and_tamper_evident(r, VerifyContext{std::string(kExampleSecret), true, kT});
}

TEST(SigV4Verify, SkewMessagesMatchAws) {
  HttpRequest r = request();
  sign_request(r, creds(), options());
  auto late = verify_at(r, kT + 16L * 60);
  ASSERT_TRUE(late);
  EXPECT_EQ(late->failure, AuthFailure::time_skewed);
  EXPECT_EQ(late->message,
            "Signature expired: 20150830T123600Z is now earlier than 20150830T123700Z (20150830T125200Z - 15 "
            "min.)");
  auto early = verify_at(r, kT - 16L * 60);
  ASSERT_TRUE(early);
  EXPECT_EQ(early->failure, AuthFailure::time_skewed);
  EXPECT_EQ(
      early->message,
      "Signature not yet current: 20150830T123600Z is still later than 20150830T123500Z (20150830T122000Z + "
      "15 min.)");

  HttpRequest s3 = request("GET", "/bucket/key");
  sign_request(s3, creds(), options("s3", false));
  auto skewed = verify_at(s3, kT + 3600, false);
  ASSERT_TRUE(skewed);
  EXPECT_EQ(skewed->failure, AuthFailure::time_skewed);
  EXPECT_EQ(skewed->message, "The difference between the request time and the current time is too large.");
}

TEST(SigV4Verify, ClockChecksCanBeTurnedOff) {
  HttpRequest r = request();
  sign_request(r, creds(), options());
  const auto parsed = parse_auth(r);
  VerifyOptions o;
  o.now_seconds = kT + 10L * 365 * 86400;
  o.check_time = false;
  EXPECT_FALSE(verify_request(r, *parsed.auth, kExampleSecret, o).has_value());
}

TEST(SigV4Verify, ExtremeClockValuesAreSafe) {
  HttpRequest r = request();
  presign_request(r, creds(), options());
  for (std::int64_t now : {INT64_MIN, INT64_MAX, std::int64_t{0}}) {
    auto error = verify_at(r, now);
    ASSERT_TRUE(error);
    EXPECT_TRUE(error->failure == AuthFailure::expired || error->failure == AuthFailure::time_skewed);
  }
  HttpRequest h = request();
  sign_request(h, creds(), options());
  for (std::int64_t now : {INT64_MIN, INT64_MAX}) {
    auto error = verify_at(h, now);
    ASSERT_TRUE(error);
    EXPECT_EQ(error->failure, AuthFailure::time_skewed);
  }
}

TEST(SigV4Verify, MismatchMessageMatchesAws) {
  HttpRequest r = request();
  sign_request(r, creds(), options());
  r.target = "/other";
  auto error = verify_at(r, kT);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->failure, AuthFailure::signature_mismatch);
  EXPECT_EQ(
      error->message,
      "The request signature we calculated does not match the signature you provided. Check your AWS Secret "
      "Access Key and signing method. Consult the service documentation for details.");
}

TEST(SigV4Verify, ScopeDateMustBeTheRequestDate) {
  HttpRequest r = request();
  sign_request(r, creds(), options());
  for (auto& [name, value] : r.headers) {
    if (name == "X-Amz-Date") value = "20150831T000000Z";
  }
  auto error = verify_at(r, kT);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->failure, AuthFailure::signature_mismatch);
  EXPECT_EQ(error->message,
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
            "'20150830' != "
            "'20150831', from '20150831T000000Z'.");
}

TEST(SigV4Verify, PresignExpiry) {
  HttpRequest r = request();
  auto o = options();
  o.expires_seconds = 604800;
  presign_request(r, creds(), o);
  EXPECT_FALSE(verify_at(r, kT + 604800).has_value());
  auto expired = verify_at(r, kT + 604801);
  ASSERT_TRUE(expired);
  EXPECT_EQ(expired->failure, AuthFailure::expired);
  EXPECT_EQ(expired->message, "Request has expired");
  // Not usable long before its date either.
  auto early = verify_at(r, kT - 3600);
  ASSERT_TRUE(early);
  EXPECT_EQ(early->failure, AuthFailure::time_skewed);

  HttpRequest too_long = request();
  o.expires_seconds = 604801;
  presign_request(too_long, creds(), o);
  auto rejected = verify_at(too_long, kT);
  ASSERT_TRUE(rejected);
  EXPECT_EQ(rejected->failure, AuthFailure::incomplete);
  EXPECT_EQ(rejected->message, "X-Amz-Expires must be less than a week (in seconds) that is 604800");

  // A hand-built ParsedAuth cannot smuggle a longer expiry past verify_request either.
  HttpRequest ok = request();
  presign_request(ok, creds(), options());
  auto parsed = parse_auth(ok);
  parsed.auth->expires_seconds = 604801;
  VerifyOptions vo;
  vo.now_seconds = kT;
  auto error = verify_request(ok, *parsed.auth, kExampleSecret, vo);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->failure, AuthFailure::incomplete);
}

TEST(SigV4Verify, PresignedSessionTokenSignedOrAppended) {
  for (bool omit : {false, true}) {
    HttpRequest r = request();
    auto o = options();
    o.omit_session_token = omit;
    presign_request(r, creds("token/with+odd=chars"), o);
    EXPECT_NE(r.target.find("X-Amz-Security-Token=token%2Fwith%2Bodd%3Dchars"), std::string::npos);
    const auto parsed = parse_auth(r);
    ASSERT_TRUE(parsed.auth);
    EXPECT_EQ(parsed.auth->session_token, "token/with+odd=chars");
    expect_accepted_and_tamper_evident(r, VerifyContext{std::string(kExampleSecret), true, kT});
  }
}

TEST(SigV4Verify, HeaderSessionToken) {
  for (bool omit : {false, true}) {
    HttpRequest r = request("POST");
    auto o = options();
    o.omit_session_token = omit;
    const auto result = sign_request(r, creds("tok"), o);
    EXPECT_EQ(result.authorization.find("x-amz-security-token") == std::string::npos, omit);
    const auto parsed = parse_auth(r);
    ASSERT_TRUE(parsed.auth);
    EXPECT_EQ(parsed.auth->session_token, "tok");
    EXPECT_FALSE(verify_at(r, kT).has_value());
  }
}

TEST(SigV4Verify, ContentSha256) {
  HttpRequest r = request("PUT", "/bucket/key");
  r.body = "hello world";
  auto o = options("s3", false);
  o.sign_body = true;
  sign_request(r, creds(), o);
  EXPECT_FALSE(verify_at(r, kT, false).has_value());

  HttpRequest tampered = r;
  tampered.body = "hello World";
  auto error = verify_at(tampered, kT, false);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->failure, AuthFailure::content_sha256_mismatch);

  // A declared hash that is not hex (UNSIGNED-PAYLOAD, STREAMING-*) says nothing about the body.
  for (const char* marker : {"UNSIGNED-PAYLOAD", "STREAMING-UNSIGNED-PAYLOAD-TRAILER"}) {
    HttpRequest u = request("PUT", "/bucket/key");
    u.headers.emplace_back("x-amz-content-sha256", marker);
    u.body = "anything";
    sign_request(u, creds(), o);
    const auto result = sign_request(u, creds(), o);
    EXPECT_TRUE(result.canonical_request.ends_with(std::string("\n") + marker));
    u.body = "something else";
    EXPECT_FALSE(verify_at(u, kT, false).has_value()) << marker;
  }

  // Upper-case hex is still the same hash.
  HttpRequest upper = request("PUT", "/bucket/key");
  upper.body = "abc";
  upper.headers.emplace_back("x-amz-content-sha256",
                             "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD");
  sign_request(upper, creds(), o);
  EXPECT_FALSE(verify_at(upper, kT, false).has_value());
}

TEST(SigV4Verify, PresignedS3UsesUnsignedPayload) {
  HttpRequest r = request("PUT", "/bucket/key");
  const auto result = presign_request(r, creds(), options("s3", false));
  EXPECT_TRUE(result.canonical_request.ends_with("\nUNSIGNED-PAYLOAD"));
  r.body = "any body at all";
  EXPECT_FALSE(verify_at(r, kT, false).has_value());

  // A presigned URL may pin the payload with X-Amz-Content-Sha256 in the query (the JS v3 presigner
  // does this with UNSIGNED-PAYLOAD).
  HttpRequest pinned = request("PUT", "/bucket/key?X-Amz-Content-Sha256=UNSIGNED-PAYLOAD&x-id=PutObject");
  const auto pinned_result = presign_request(pinned, creds(), options("s3", false));
  EXPECT_TRUE(pinned_result.canonical_request.ends_with("\nUNSIGNED-PAYLOAD"));
  EXPECT_FALSE(verify_at(pinned, kT, false).has_value());
}

TEST(SigV4Verify, CheckScope) {
  HttpRequest r = request();
  sign_request(r, creds(), options("sqs"));
  const auto parsed = parse_auth(r);
  ASSERT_TRUE(parsed.auth);
  EXPECT_FALSE(check_scope(*parsed.auth, "us-east-1", "sqs").has_value());
  EXPECT_FALSE(check_scope(*parsed.auth, "", "").has_value());
  auto region = check_scope(*parsed.auth, "eu-west-1", "sqs");
  ASSERT_TRUE(region);
  EXPECT_EQ(region->failure, AuthFailure::signature_mismatch);
  EXPECT_EQ(region->message, "Credential should be scoped to a valid region, not 'us-east-1'. ");
  auto service = check_scope(*parsed.auth, "us-east-1", "sns");
  ASSERT_TRUE(service);
  EXPECT_EQ(service->failure, AuthFailure::signature_mismatch);
  EXPECT_EQ(service->message, "Credential should be scoped to correct service: 'sns'. ");
}

TEST(SigV4Verify, DateHeaderInsteadOfXAmzDate) {
  HttpRequest r = request();
  r.headers.emplace_back("Date", "Sun, 30 Aug 2015 12:36:00 GMT");
  const auto result = sign_request(r, creds(), options());
  // Remove X-Amz-Date and re-sign by hand over the Date header, as some clients do.
  std::erase_if(r.headers,
                [](const Header& h) { return h.first == "X-Amz-Date" || h.first == "Authorization"; });
  ParsedAuth auth;
  auth.scope = {"AKIDEXAMPLE", "20150830", "us-east-1", "service"};
  auth.signed_headers = {"date", "host"};
  auth.amz_date = "20150830T123600Z";
  const SigningResult expected = recompute_signature(r, auth, kExampleSecret, true);
  r.headers.emplace_back("Authorization",
                         "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/"
                         "aws4_request, SignedHeaders=date;host, Signature=" +
                             expected.signature);
  const auto parsed = parse_auth(r);
  ASSERT_TRUE(parsed.auth) << parsed.error->message;
  EXPECT_EQ(parsed.auth->amz_date, "20150830T123600Z");
  EXPECT_FALSE(verify_at(r, kT).has_value());
  (void)result;
}

TEST(SigV4Verify, RecomputeMatchesSigner) {
  HttpRequest r = request("POST", "/a/./b//c?z=1&a=2");
  r.headers.emplace_back("X-Custom", "  a   b ");
  r.body = "payload";
  const SigningResult signed_result = sign_request(r, creds(), options());
  const auto parsed = parse_auth(r);
  const SigningResult again = recompute_signature(r, *parsed.auth, kExampleSecret, true);
  EXPECT_EQ(again.canonical_request, signed_result.canonical_request);
  EXPECT_EQ(again.string_to_sign, signed_result.string_to_sign);
  EXPECT_EQ(again.signature, signed_result.signature);
}

TEST(SigV4Verify, RoundTripsOverOddPathsAndQueries) {
  const char* targets[] = {
      "/",
      "/a b/c%20d/e+f",
      "/%E1%88%B4/\xe1\x88\xb4",
      "/a/../b/./c//d/",
      "/key with spaces and !$&'()*,;=:@",
      "/bucket/a%2Fb%2fc",
      "/?a=1&a=0&b&c=&=d",
      "/?q=a+b&r=%2B&s=%zz&t=%",
      "/x?&&a=1&&",
      "http://host.example:8080/abs/path?x=1",
  };
  for (const char* target : targets) {
    for (bool normalize : {true, false}) {
      for (bool presign : {false, true}) {
        SCOPED_TRACE(std::string(target) + (normalize ? " normalized" : " as-is") +
                     (presign ? " presigned" : ""));
        HttpRequest r = request("GET", target);
        r.headers.emplace_back("X-Dup", "one");
        r.headers.emplace_back("x-dup", " two\t three ");
        auto o = options(normalize ? "service" : "s3", normalize);
        if (presign) {
          presign_request(r, creds("tok"), o);
        } else {
          sign_request(r, creds("tok"), o);
        }
        expect_accepted_and_tamper_evident(r, VerifyContext{std::string(kExampleSecret), normalize, kT});
      }
    }
  }
}

TEST(SigningKeyCache, MatchesDerivationAndIsThreadSafe) {
  const std::string direct = [] {
    std::string k = crypto::hmac_sha256("AWS4" + std::string(kExampleSecret), "20150830");
    k = crypto::hmac_sha256(k, "us-east-1");
    k = crypto::hmac_sha256(k, "service");
    return crypto::hmac_sha256(k, "aws4_request");
  }();
  EXPECT_EQ(derive_signing_key(kExampleSecret, "20150830", "us-east-1", "service"), direct);
  EXPECT_EQ(derive_signing_key(kExampleSecret, "20150830", "us-east-1", "service"), direct);
  EXPECT_NE(derive_signing_key(kExampleSecret, "20150830", "us-east-1", "servic"), direct);
  // Fields cannot run into each other.
  EXPECT_NE(derive_signing_key("a", "bc", "r", "s"), derive_signing_key("ab", "c", "r", "s"));

  // Many threads, more distinct keys than the cache holds, each result checked.
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  threads.reserve(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 1500; ++i) {
        const std::string region = "r" + std::to_string((i * 7 + t) % 1300);
        std::string k = crypto::hmac_sha256("AWS4secret", "20150830");
        k = crypto::hmac_sha256(k, region);
        k = crypto::hmac_sha256(k, "svc");
        k = crypto::hmac_sha256(k, "aws4_request");
        if (derive_signing_key("secret", "20150830", region, "svc") != k) ++wrong;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
}

}  // namespace
}  // namespace fanout::auth::testing
