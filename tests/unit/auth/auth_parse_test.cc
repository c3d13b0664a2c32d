// parse_auth: what each malformed Authorization header or presign query yields, and that no
// input at all can crash it or the verifier behind it.
#include <gtest/gtest.h>

#include <random>

#include "auth/sigv4.h"

namespace fanout::auth {
namespace {

constexpr std::string_view kCredential = "AKIDEXAMPLE/20150830/us-east-1/service/aws4_request";
constexpr std::string_view kSignature = "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31";

HttpRequest with_authorization(std::string value, bool with_date = true) {
  HttpRequest r;
  r.method = "GET";
  r.target = "/";
  r.headers.emplace_back("Host", "example.amazonaws.com");
  if (with_date) r.headers.emplace_back("X-Amz-Date", "20150830T123600Z");
  r.headers.emplace_back("Authorization", std::move(value));
  return r;
}

HttpRequest with_query(const std::string& query) {
  HttpRequest r;
  r.method = "GET";
  r.target = "/?" + query;
  r.headers.emplace_back("Host", "example.amazonaws.com");
  return r;
}

std::string valid_presign_query() {
  return "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fservice%"
         "2Faws4_"
         "request&X-Amz-Date=20150830T123600Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=" +
         std::string(kSignature);
}

AuthError expect_error(const HttpRequest& r) {
  const ParseResult result = parse_auth(r);
  EXPECT_FALSE(result.auth.has_value());
  EXPECT_TRUE(result.error.has_value());
  return result.error.value_or(AuthError{AuthFailure::missing, "<no error>"});
}

TEST(ParseAuth, NoAuthenticationIsMissing) {
  HttpRequest r;
  r.method = "GET";
  r.target = "/?Action=ListQueues&X-Amz-Date=20150830T123600Z";
  EXPECT_EQ(expect_error(r).failure, AuthFailure::missing);
}

TEST(ParseAuth, HeaderFields) {
  const ParseResult result =
      parse_auth(with_authorization("AWS4-HMAC-SHA256 Credential=" + std::string(kCredential) +
                                    ", SignedHeaders=Host;X-Amz-Date, Signature=" + std::string(kSignature)));
  ASSERT_TRUE(result.auth) << result.error->message;
  const ParsedAuth& auth = *result.auth;
  EXPECT_FALSE(auth.presigned);
  EXPECT_EQ(auth.scope.access_key_id, "AKIDEXAMPLE");
  EXPECT_EQ(auth.scope.date, "20150830");
  EXPECT_EQ(auth.scope.region, "us-east-1");
  EXPECT_EQ(auth.scope.service, "service");
  EXPECT_EQ(auth.signed_headers, (std::vector<std::string>{"host", "x-amz-date"}));
  EXPECT_EQ(auth.signature, kSignature);
  EXPECT_EQ(auth.amz_date, "20150830T123600Z");
}

TEST(ParseAuth, ToleratesSeparatorVariants) {
  const std::string cred = "Credential=" + std::string(kCredential);
  const std::string sh = "SignedHeaders=host;x-amz-date";
  const std::string sig = "Signature=" + std::string(kSignature);
  const std::string variants[] = {
      "AWS4-HMAC-SHA256 " + cred + ", " + sh + ", " + sig,
      "AWS4-HMAC-SHA256 " + cred + "," + sh + "," + sig,
      "AWS4-HMAC-SHA256   " + cred + " ,  " + sh + " ,\t" + sig + " ",
      "AWS4-HMAC-SHA256 " + cred + " " + sh + " " + sig,
      "  AWS4-HMAC-SHA256\t" + sig + ",," + sh + ", " + cred + ",",
  };
  for (const std::string& value : variants) {
    const ParseResult result = parse_auth(with_authorization(value));
    ASSERT_TRUE(result.auth) << value << ": " << result.error->message;
    EXPECT_EQ(result.auth->signature, kSignature) << value;
    EXPECT_EQ(result.auth->signed_headers.size(), 2u) << value;
  }
}

TEST(ParseAuth, MissingComponentsUseAwsMessages) {
  const std::string value =
      "AWS4-HMAC-SHA256 Credential=" + std::string(kCredential) + ", SignedHeaders=host";
  AuthError error = expect_error(with_authorization(value));
  EXPECT_EQ(error.failure, AuthFailure::incomplete);
  EXPECT_EQ(error.message, "Authorization header requires 'Signature' parameter. Authorization=" + value);

  error = expect_error(with_authorization("AWS4-HMAC-SHA256 foo", false));
  EXPECT_EQ(error.failure, AuthFailure::incomplete);
  EXPECT_EQ(
      error.message,
      "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' "
      "parameter. Authorization header requires 'SignedHeaders' parameter. Authorization header requires "
      "existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=AWS4-HMAC-SHA256 foo");

  EXPECT_EQ(expect_error(with_authorization("")).failure, AuthFailure::incomplete);
  EXPECT_EQ(expect_error(with_authorization("AWS4-HMAC-SHA256")).failure, AuthFailure::incomplete);
  // Empty values count as missing.
  EXPECT_EQ(expect_error(with_authorization("AWS4-HMAC-SHA256 Credential=, SignedHeaders=host, Signature=ab"))
                .failure,
            AuthFailure::incomplete);
}

TEST(ParseAuth, EchoedHeaderIsBoundedAndPrintable) {
  const std::string value = "AWS4-HMAC-SHA256 " + std::string(100000, 'x') + "\x01\xff";
  const AuthError error = expect_error(with_authorization(value));
  EXPECT_EQ(error.failure, AuthFailure::incomplete);
  EXPECT_LT(error.message.size(), 1000u);
  for (char c : error.message) EXPECT_TRUE(c >= 0x20 && c < 0x7f);
}

TEST(ParseAuth, UnsupportedAlgorithms) {
  for (const char* value :
       {"AWS AKIDEXAMPLE:frJIUN8DYpKDtOLCwo//yllqDzg=", "AWS4-HMAC-SHA512 Credential=a/b/c/d/e",
        "AWS4-ECDSA-P256-SHA256 Credential=x", "Bearer abc", "aws4-hmac-sha256 Credential=x"}) {
    const AuthError error = expect_error(with_authorization(value));
    EXPECT_EQ(error.failure, AuthFailure::unsupported_algorithm) << value;
  }
}

TEST(ParseAuth, MalformedCredential) {
  auto parse_with = [](const std::string& credential) {
    return expect_error(with_authorization("AWS4-HMAC-SHA256 Credential=" + credential +
                                           ", SignedHeaders=host, Signature=" + std::string(kSignature)));
  };
  AuthError error = parse_with("AKIDEXAMPLE/20150830/us-east-1/service");
  EXPECT_EQ(error.failure, AuthFailure::incomplete);
  EXPECT_EQ(
      error.message,
      "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got "
      "'AKIDEXAMPLE/20150830/us-east-1/service'");
  EXPECT_EQ(parse_with("a/20150830/r/s/aws4_request/extra").failure, AuthFailure::incomplete);
  error = parse_with("AKIDEXAMPLE/20150830/us-east-1/service/aws4_requestx");
  EXPECT_EQ(error.message,
            "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws4_requestx'.");
  EXPECT_EQ(parse_with("AKIDEXAMPLE/2015083/us-east-1/service/aws4_request").failure,
            AuthFailure::incomplete);
  EXPECT_EQ(parse_with("AKIDEXAMPLE/2015o830/us-east-1/service/aws4_request").failure,
            AuthFailure::incomplete);
  EXPECT_EQ(parse_with("/20150830/us-east-1/service/aws4_request").failure, AuthFailure::incomplete);
  EXPECT_EQ(parse_with("AKID/20150830//service/aws4_request").failure, AuthFailure::incomplete);
  EXPECT_EQ(parse_with("AKID/20150830/us-east-1//aws4_request").failure, AuthFailure::incomplete);
}

TEST(ParseAuth, MalformedSignedHeadersAndDates) {
  const std::string prefix = "AWS4-HMAC-SHA256 Credential=" + std::string(kCredential) + ", Signature=ab, ";
  EXPECT_EQ(expect_error(with_authorization(prefix + "SignedHeaders=host;;x-amz-date")).failure,
            AuthFailure::incomplete);
  EXPECT_EQ(expect_error(with_authorization(prefix + "SignedHeaders=host;HOST")).failure,
            AuthFailure::incomplete);
  // The message names the first name, in the client's order, that repeats an earlier one.
  EXPECT_EQ(expect_error(with_authorization(prefix + "SignedHeaders=x-amz-date;host;b;Host;b")).message,
            "SignedHeaders lists 'host' more than once.");
  EXPECT_EQ(expect_error(with_authorization(prefix + "SignedHeaders=b;a;c;a;b")).message,
            "SignedHeaders lists 'a' more than once.");
  // Whichever fault comes first in the list is the one reported.
  EXPECT_EQ(expect_error(with_authorization(prefix + "SignedHeaders=a;A;;b")).message,
            "SignedHeaders lists 'a' more than once.");
  EXPECT_EQ(expect_error(with_authorization(prefix + "SignedHeaders=a;;a")).message,
            "SignedHeaders contains an empty header name: 'a;;a'");

  HttpRequest bad_date = with_authorization(prefix + "SignedHeaders=host", false);
  bad_date.headers.emplace_back("X-Amz-Date", "2015-08-30T12:36:00Z");
  EXPECT_EQ(expect_error(bad_date).failure, AuthFailure::incomplete);
  HttpRequest bad_day = with_authorization(prefix + "SignedHeaders=host", false);
  bad_day.headers.emplace_back("X-Amz-Date", "20150230T123600Z");
  EXPECT_EQ(expect_error(bad_day).failure, AuthFailure::incomplete);
  HttpRequest bad_http_date = with_authorization(prefix + "SignedHeaders=host", false);
  bad_http_date.headers.emplace_back("Date", "yesterday");
  EXPECT_EQ(expect_error(bad_http_date).failure, AuthFailure::incomplete);
}

TEST(ParseAuth, PresignedFields) {
  const ParseResult result =
      parse_auth(with_query("Action=x&" + valid_presign_query() + "&X-Amz-Security-Token=a%2Bb"));
  ASSERT_TRUE(result.auth) << result.error->message;
  EXPECT_TRUE(result.auth->presigned);
  EXPECT_EQ(result.auth->scope.service, "service");
  EXPECT_EQ(result.auth->expires_seconds, 60);
  EXPECT_EQ(result.auth->amz_date, "20150830T123600Z");
  EXPECT_EQ(result.auth->signed_headers, std::vector<std::string>{"host"});
  EXPECT_EQ(result.auth->session_token, "a+b");
  EXPECT_EQ(result.auth->signature, kSignature);
}

TEST(ParseAuth, PresignedErrors) {
  const std::string q = valid_presign_query();
  auto replace = [&](std::string_view from, std::string_view to) {
    std::string out = q;
    out.replace(out.find(from), from.size(), to);
    return out;
  };
  AuthError error = expect_error(with_query(replace("X-Amz-Expires=60&", "")));
  EXPECT_EQ(error.failure, AuthFailure::incomplete);
  EXPECT_EQ(error.message,
            "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, "
            "X-Amz-Signature, "
            "X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.");
  EXPECT_EQ(expect_error(with_query(replace("X-Amz-Algorithm=AWS4-HMAC-SHA256&", ""))).failure,
            AuthFailure::incomplete);
  EXPECT_EQ(expect_error(with_query(replace("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA1"))).failure,
            AuthFailure::unsupported_algorithm);
  error = expect_error(with_query(replace("X-Amz-Expires=60", "X-Amz-Expires=604801")));
  EXPECT_EQ(error.message, "X-Amz-Expires must be less than a week (in seconds) that is 604800");
  EXPECT_TRUE(parse_auth(with_query(replace("X-Amz-Expires=60", "X-Amz-Expires=604800"))).auth.has_value());
  EXPECT_EQ(expect_error(with_query(replace("X-Amz-Expires=60", "X-Amz-Expires=-1"))).message,
            "X-Amz-Expires must be non-negative");
  EXPECT_EQ(expect_error(with_query(replace("X-Amz-Expires=60", "X-Amz-Expires=6O"))).message,
            "X-Amz-Expires should be a number");
  EXPECT_EQ(
      expect_error(with_query(replace("X-Amz-Expires=60", "X-Amz-Expires=99999999999999999999999"))).message,
      "X-Amz-Expires should be a number");
  EXPECT_EQ(expect_error(with_query(replace("X-Amz-Date=20150830T123600Z", "X-Amz-Date=20150830"))).failure,
            AuthFailure::incomplete);
  EXPECT_EQ(expect_error(with_query(q + "&X-Amz-Signature=00")).message,
            "Duplicate query parameter 'X-Amz-Signature'.");
  // A presign parameter without the algorithm is still an (incomplete) presigned request.
  EXPECT_EQ(expect_error(with_query("X-Amz-Signature=00")).failure, AuthFailure::incomplete);

  HttpRequest both = with_query(q);
  both.headers.emplace_back("Authorization", "AWS4-HMAC-SHA256 Credential=a");
  EXPECT_EQ(expect_error(both).failure, AuthFailure::incomplete);
}

// Deterministic random inputs shaped like SigV4 so that parsing gets deep; every result must be
// a value, and anything that parses must survive verification. Run under ASan/UBSan too.
TEST(ParseAuth, NeverCrashesOnGarbage) {
  std::mt19937_64 rng(20150830);
  const std::vector<std::string> pieces = {"AWS4-HMAC-SHA256",
                                           " ",
                                           ",",
                                           "=",
                                           ";",
                                           "/",
                                           "Credential=",
                                           "SignedHeaders=",
                                           "Signature=",
                                           "aws4_request",
                                           "20150830",
                                           "AKID",
                                           "host",
                                           "x-amz-date",
                                           "%",
                                           "%2",
                                           "%2F",
                                           "+",
                                           "&",
                                           "?",
                                           "X-Amz-Algorithm=",
                                           "X-Amz-Credential=",
                                           "X-Amz-Date=",
                                           "20150830T123600Z",
                                           "X-Amz-Expires=",
                                           "604800",
                                           "-1",
                                           "X-Amz-SignedHeaders=",
                                           "X-Amz-Signature=",
                                           "X-Amz-Security-Token=",
                                           "\xff",
                                           std::string(1, '\0'),
                                           "\t",
                                           "..",
                                           "//",
                                           "http://",
                                           "#",
                                           "99999999999999999999"};
  auto random_text = [&](int max_pieces) {
    std::string out;
    const int n = static_cast<int>(rng() % max_pieces);
    for (int i = 0; i < n; ++i) {
      if (rng() % 4 == 0) {
        out += static_cast<char>(rng() % 256);
      } else {
        out += pieces[rng() % pieces.size()];
      }
    }
    return out;
  };
  for (int i = 0; i < 20000; ++i) {
    HttpRequest r;
    r.method = rng() % 2 ? "GET" : random_text(3);
    r.target = "/" + random_text(20);
    const int headers = static_cast<int>(rng() % 5);
    for (int h = 0; h < headers; ++h) {
      static const char* names[] = {
          "Host", "X-Amz-Date", "Date", "x-amz-content-sha256", "X-Amz-Security-Token", "authorization"};
      r.headers.emplace_back(rng() % 4 ? names[rng() % 6] : random_text(3), random_text(10));
    }
    if (rng() % 2) {
      r.headers.emplace_back("Authorization", "AWS4-HMAC-SHA256 " + random_text(20));
    }
    r.body = random_text(3);
    const ParseResult result = parse_auth(r);
    ASSERT_NE(result.auth.has_value(), result.error.has_value());
    if (result.auth) {
      VerifyOptions options;
      options.now_seconds = static_cast<std::int64_t>(rng() % 4000000000ULL);
      options.check_time = rng() % 2;
      options.normalize_path = rng() % 2;
      (void)verify_request(r, *result.auth, "secret", options);
      (void)recompute_signature(r, *result.auth, "secret", options.normalize_path);
    }
  }
}

// Random edits of correctly signed requests (header and presigned), so that inputs get past the
// parser into canonicalisation and verification.
TEST(ParseAuth, NeverCrashesOnMutatedSignedRequests) {
  std::mt19937_64 rng(1440938160);
  std::vector<HttpRequest> seeds;
  for (bool presign : {false, true}) {
    HttpRequest r;
    r.method = "POST";
    r.target = "/a/b%20c/../d?x=1&y=%2F&z";
    r.headers = {{"Host", "example.amazonaws.com"}, {"X-Custom", " a  b "}, {"x-amz-content-sha256", ""}};
    r.body = "body";
    r.headers[2].second = "UNSIGNED-PAYLOAD";
    SigningOptions o;
    o.region = "us-east-1";
    o.service = presign ? "s3" : "sqs";
    o.time_seconds = 1440938160;
    o.expires_seconds = 600;
    Credentials c{"AKIDEXAMPLE", "secret", "token"};
    if (presign) {
      presign_request(r, c, o);
    } else {
      sign_request(r, c, o);
    }
    seeds.push_back(r);
  }
  const std::string specials("%/;,= &?+.\0\xff\t", 13);
  auto mutate = [&](std::string& s) {
    if (s.empty()) {
      s += specials[rng() % specials.size()];
      return;
    }
    const std::size_t pos = rng() % s.size();
    switch (rng() % 5) {
      case 0:
        s[pos] = static_cast<char>(rng() % 256);
        break;
      case 1:
        s[pos] = specials[rng() % specials.size()];
        break;
      case 2:
        s.erase(pos, rng() % 8);
        break;
      case 3:
        s.insert(pos, s.substr(pos, rng() % 16));
        break;
      case 4:
        s.resize(pos);
        break;
    }
  };
  int verified = 0;
  for (int i = 0; i < 20000; ++i) {
    HttpRequest r = seeds[rng() % seeds.size()];
    const int edits = 1 + static_cast<int>(rng() % 3);
    for (int e = 0; e < edits; ++e) {
      const auto which = rng() % (r.headers.size() + 2);
      if (which == 0) {
        mutate(r.target);
      } else if (which == 1) {
        mutate(r.body);
      } else {
        auto& header = r.headers[which - 2];
        mutate(rng() % 4 ? header.second : header.first);
      }
    }
    const ParseResult result = parse_auth(r);
    ASSERT_NE(result.auth.has_value(), result.error.has_value());
    if (!result.auth) continue;
    VerifyOptions options;
    options.now_seconds = 1440938160;
    options.normalize_path = rng() % 2;
    if (!verify_request(r, *result.auth, "secret", options)) ++verified;
    (void)recompute_signature(r, *result.auth, "secret", options.normalize_path);
    (void)check_scope(*result.auth, "us-east-1", "sqs");
  }
  // Edits the signature does not cover (the body under UNSIGNED-PAYLOAD, unsigned headers) still
  // verify; anything else must not.
  EXPECT_GT(verified, 0);
  EXPECT_LT(verified, 20000);
}

}  // namespace
}  // namespace fanout::auth
