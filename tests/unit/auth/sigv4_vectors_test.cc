// The published SigV4 conformance vectors, read in place from $FANOUT_SHARED_DIR/conformance/sigv4
// (see the README there): every case is signed and compared byte for byte, and every signed
// request is verified and then tampered with.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>

#include "auth/sigv4.h"
#include "sigv4_mutations.h"
#include "sigv4_test_support.h"

namespace fanout::auth::testing {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

const fs::path& sigv4_dir() {
  static const fs::path dir = conformance_dir() / "sigv4";
  return dir;
}

// Credentials, time and scope of both general suites (README, "Credentials, date, region, service").
constexpr std::string_view kAccessKey = "AKIDEXAMPLE";
constexpr std::string_view kSuiteTime = "20150830T123600Z";
constexpr std::string_view kVanillaToken = "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267";

std::string sts_token() {
  // post-sts-token/readme.txt ends with the token on its own line.
  const std::string readme = read_file(sigv4_dir() / "aws4_testsuite" / "post-sts-token" / "readme.txt");
  auto start = readme.find("AQoD");
  auto end = readme.find_first_of("\r\n", start);
  return readme.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

std::string authorization_of(const HttpRequest& request) {
  for (const auto& [name, value] : request.headers) {
    if (name == "Authorization") return value;
  }
  return {};
}

void expect_same_request(const HttpRequest& actual, const HttpRequest& expected) {
  EXPECT_EQ(actual.method, expected.method);
  EXPECT_EQ(actual.target, expected.target);
  EXPECT_EQ(actual.headers, expected.headers);
  EXPECT_EQ(actual.body, expected.body);
}

// ---- aws4_testsuite: .req/.creq/.sts/.authz/.sreq -------------------------------------------

std::vector<std::string> classic_cases() {
  std::vector<std::string> cases;
  const fs::path root = sigv4_dir() / "aws4_testsuite";
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (entry.path().extension() == ".req") {
      cases.push_back(fs::relative(entry.path(), root).replace_extension().string());
    }
  }
  std::sort(cases.begin(), cases.end());
  return cases;
}

class ClassicSuite : public ::testing::TestWithParam<std::string> {
 protected:
  fs::path base() const { return sigv4_dir() / "aws4_testsuite" / GetParam(); }
  std::string file(const char* ext) const { return read_file(base().string() + ext); }
  std::string name() const { return fs::path(GetParam()).filename().string(); }
};

TEST_P(ClassicSuite, SignsByteForByte) {
  HttpRequest request = parse_request_text(file(".req"));
  Credentials creds{std::string(kAccessKey), std::string(kExampleSecret), ""};
  SigningOptions options;
  options.region = "us-east-1";
  options.service = "service";
  options.time_seconds = parse_timestamp(kSuiteTime);
  if (name() == "get-vanilla-with-session-token") creds.session_token = std::string(kVanillaToken);
  if (GetParam().starts_with("post-sts-token")) creds.session_token = sts_token();
  // post-sts-header-after: the token travels, but is added after signing.
  options.omit_session_token = name() == "post-sts-header-after";

  const SigningResult result = sign_request(request, creds, options);
  EXPECT_EQ(result.canonical_request, file(".creq"));
  EXPECT_EQ(result.string_to_sign, file(".sts"));
  EXPECT_EQ(result.authorization, file(".authz"));
  EXPECT_EQ(authorization_of(request), file(".authz"));
}

TEST_P(ClassicSuite, VerifiesSignedRequestAndRejectsTampering) {
  HttpRequest signed_request = parse_request_text(file(".sreq"));
  VerifyContext context{std::string(kExampleSecret), true, parse_timestamp(kSuiteTime)};
  if (name() == "get-vanilla-with-session-token") {
    // This .sreq carries a bogus signature upstream (a rotation of the session token, not the
    // .authz value), so as published it must be refused; with the real signature it verifies.
    const auto as_published = authenticate(signed_request, context);
    ASSERT_TRUE(as_published.has_value());
    EXPECT_EQ(as_published->failure, AuthFailure::signature_mismatch);
    for (auto& [header, value] : signed_request.headers) {
      if (header == "Authorization") value = file(".authz");
    }
  }
  expect_accepted_and_tamper_evident(signed_request, context);
}

INSTANTIATE_TEST_SUITE_P(Aws4TestSuite, ClassicSuite, ::testing::ValuesIn(classic_cases()),
                         [](const auto& info) { return test_name(info.param); });

TEST(ClassicSuiteCoverage, AllThirtyFourCasesFound) { EXPECT_EQ(classic_cases().size(), 34u); }

// ---- aws-signing-test-suite/v4: context.json + header-* and query-* ---------------------------

std::vector<std::string> v4_cases() {
  std::vector<std::string> cases;
  for (const auto& entry : fs::directory_iterator(sigv4_dir() / "aws-signing-test-suite" / "v4")) {
    if (fs::exists(entry.path() / "context.json")) cases.push_back(entry.path().filename().string());
  }
  std::sort(cases.begin(), cases.end());
  return cases;
}

struct V4Context {
  Credentials creds;
  SigningOptions options;
};

class V4Suite : public ::testing::TestWithParam<std::string> {
 protected:
  fs::path dir() const { return sigv4_dir() / "aws-signing-test-suite" / "v4" / GetParam(); }
  std::string file(const char* name) const { return read_file(dir() / name); }

  V4Context context() const {
    const json::object ctx = json::parse(file("context.json")).as_object();
    const json::object& c = ctx.at("credentials").as_object();
    V4Context out;
    out.creds.access_key_id = std::string(c.at("access_key_id").as_string());
    out.creds.secret_access_key = std::string(c.at("secret_access_key").as_string());
    if (c.contains("token")) out.creds.session_token = std::string(c.at("token").as_string());
    out.options.region = std::string(ctx.at("region").as_string());
    out.options.service = std::string(ctx.at("service").as_string());
    out.options.time_seconds = parse_timestamp(ctx.at("timestamp").as_string());
    out.options.normalize_path = ctx.at("normalize").as_bool();
    out.options.sign_body = ctx.at("sign_body").as_bool();
    out.options.expires_seconds = ctx.at("expiration_in_seconds").to_number<std::int64_t>();
    if (ctx.contains("omit_session_token"))
      out.options.omit_session_token = ctx.at("omit_session_token").as_bool();
    return out;
  }

  VerifyContext verify_context() const {
    const V4Context ctx = context();
    return VerifyContext{ctx.creds.secret_access_key, ctx.options.normalize_path, ctx.options.time_seconds};
  }
};

TEST_P(V4Suite, HeaderSigningByteForByte) {
  const V4Context ctx = context();
  HttpRequest request = parse_request_text(file("request.txt"));
  const SigningResult result = sign_request(request, ctx.creds, ctx.options);
  EXPECT_EQ(result.canonical_request, file("header-canonical-request.txt"));
  EXPECT_EQ(result.string_to_sign, file("header-string-to-sign.txt"));
  EXPECT_EQ(result.signature, file("header-signature.txt"));
  expect_same_request(request, parse_request_text(file("header-signed-request.txt")));
}

TEST_P(V4Suite, PresigningByteForByte) {
  const V4Context ctx = context();
  HttpRequest request = parse_request_text(file("request.txt"));
  const SigningResult result = presign_request(request, ctx.creds, ctx.options);
  EXPECT_EQ(result.canonical_request, file("query-canonical-request.txt"));
  EXPECT_EQ(result.string_to_sign, file("query-string-to-sign.txt"));
  EXPECT_EQ(result.signature, file("query-signature.txt"));
  EXPECT_TRUE(result.authorization.empty());
  expect_same_request(request, parse_request_text(file("query-signed-request.txt")));
}

TEST_P(V4Suite, VerifiesHeaderSignedRequestAndRejectsTampering) {
  expect_accepted_and_tamper_evident(parse_request_text(file("header-signed-request.txt")), verify_context());
}

TEST_P(V4Suite, VerifiesPresignedRequestAndRejectsTampering) {
  const HttpRequest request = parse_request_text(file("query-signed-request.txt"));
  const ParseResult parsed = parse_auth(request);
  ASSERT_TRUE(parsed.auth);
  EXPECT_TRUE(parsed.auth->presigned);
  EXPECT_EQ(parsed.auth->expires_seconds, context().options.expires_seconds);
  expect_accepted_and_tamper_evident(request, verify_context());
}

INSTANTIATE_TEST_SUITE_P(AwsSigningTestSuiteV4, V4Suite, ::testing::ValuesIn(v4_cases()),
                         [](const auto& info) { return test_name(info.param); });

TEST(V4SuiteCoverage, AllThirtyEightCasesFound) { EXPECT_EQ(v4_cases().size(), 38u); }

// ---- s3/s3-sigv4-examples.json ---------------------------------------------------------------

class S3Examples : public ::testing::Test {
 protected:
  void SetUp() override {
    doc_ = json::parse(read_file(sigv4_dir() / "s3" / "s3-sigv4-examples.json")).as_object();
    const json::object& c = doc_.at("credentials").as_object();
    creds_.access_key_id = std::string(c.at("access_key_id").as_string());
    creds_.secret_access_key = std::string(c.at("secret_access_key").as_string());
    options_.region = std::string(doc_.at("region").as_string());
    options_.service = std::string(doc_.at("service").as_string());
    options_.time_seconds = parse_timestamp(doc_.at("amz_date").as_string());
    options_.normalize_path = false;
    options_.sign_body = true;
  }

  VerifyContext verify_context() const {
    return VerifyContext{creds_.secret_access_key, false, options_.time_seconds};
  }

  static std::string without_spaces_after_commas(std::string text) {
    for (auto pos = text.find(", "); pos != std::string::npos; pos = text.find(", ")) text.erase(pos + 1, 1);
    return text;
  }

  json::object doc_;
  Credentials creds_;
  SigningOptions options_;
};

TEST_F(S3Examples, SigningKey) {
  const std::string key = derive_signing_key(creds_.secret_access_key, "20130524", "us-east-1", "s3");
  std::string hex;
  for (unsigned char c : key) {
    static constexpr char kDigits[] = "0123456789abcdef";
    hex += kDigits[c >> 4];
    hex += kDigits[c & 15];
  }
  EXPECT_EQ(hex, doc_.at("signing_key_hex").as_string());
}

TEST_F(S3Examples, HeaderBasedSignAndVerify) {
  const json::array& examples = doc_.at("header_auth").as_array();
  ASSERT_EQ(examples.size(), 4u);
  for (const auto& value : examples) {
    const json::object& example = value.as_object();
    SCOPED_TRACE(std::string(example.at("name").as_string()));
    HttpRequest request = parse_request_text(example.at("request").as_string());
    request.body = std::string(example.at("body").as_string());
    const HttpRequest unsigned_request = request;

    const SigningResult result = sign_request(request, creds_, options_);
    EXPECT_EQ(result.canonical_request, example.at("canonical_request").as_string());
    EXPECT_EQ(result.string_to_sign, example.at("string_to_sign").as_string());
    EXPECT_EQ(result.signature, example.at("signature").as_string());
    EXPECT_EQ(without_spaces_after_commas(result.authorization), example.at("authorization").as_string());
    expect_accepted_and_tamper_evident(request, verify_context());

    // The documentation's own header, written without spaces after the commas, verifies too.
    HttpRequest documented = unsigned_request;
    documented.headers.emplace_back("Authorization", std::string(example.at("authorization").as_string()));
    expect_accepted_and_tamper_evident(documented, verify_context());
  }
}

TEST_F(S3Examples, PresignedSignAndVerify) {
  const json::object& example = doc_.at("presigned_url").as_object();
  HttpRequest request;
  request.method = std::string(example.at("method").as_string());
  request.target = std::string(example.at("path").as_string());
  request.headers.emplace_back("Host", std::string(example.at("host").as_string()));
  options_.expires_seconds = example.at("expires").to_number<std::int64_t>();
  const HttpRequest unsigned_request = request;

  const SigningResult result = presign_request(request, creds_, options_);
  EXPECT_EQ(result.canonical_request, example.at("canonical_request").as_string());
  EXPECT_EQ(result.string_to_sign, example.at("string_to_sign").as_string());
  EXPECT_EQ(result.signature, example.at("signature").as_string());
  expect_accepted_and_tamper_evident(request, verify_context());

  // The documented URL (its parameters in another order) verifies as published.
  std::string url(example.at("url").as_string());
  const std::string prefix = "https://" + std::string(example.at("host").as_string());
  ASSERT_TRUE(url.starts_with(prefix));
  HttpRequest documented = unsigned_request;
  documented.target = url.substr(prefix.size());
  expect_accepted_and_tamper_evident(documented, verify_context());
  // Same query parameters as ours, whatever the order.
  auto sorted_params = [](std::string_view target) {
    std::vector<std::string> params;
    std::string_view query = target.substr(target.find('?') + 1);
    while (!query.empty()) {
      const auto amp = query.find('&');
      params.emplace_back(query.substr(0, amp));
      query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    }
    std::sort(params.begin(), params.end());
    return params;
  };
  EXPECT_EQ(sorted_params(request.target), sorted_params(documented.target));
}

TEST_F(S3Examples, StreamingSeedSignatures) {
  // Chunk verification is out of scope here; the seed signature over the STREAMING-* payload
  // marker is ordinary SigV4 and must match.
  for (const auto& value : doc_.at("streaming").as_array()) {
    const json::object& example = value.as_object();
    SCOPED_TRACE(std::string(example.at("name").as_string()));
    HttpRequest request = parse_request_text(example.at("request").as_string());
    // The trailer variant leaves Content-Length (unknown up front) out of the signature.
    const std::string signed_headers = ";" + std::string(example.at("signed_headers").as_string()) + ";";
    if (signed_headers.find(";content-length;") == std::string::npos) {
      std::erase_if(request.headers, [](const Header& h) { return h.first == "Content-Length"; });
    }
    const SigningResult result = sign_request(request, creds_, options_);
    EXPECT_EQ(result.canonical_request, example.at("canonical_request").as_string());
    EXPECT_EQ(result.string_to_sign, example.at("string_to_sign").as_string());
    EXPECT_EQ(result.signature, example.at("seed_signature").as_string());

    HttpRequest documented = parse_request_text(example.at("request").as_string());
    documented.headers.emplace_back("Authorization", std::string(example.at("authorization").as_string()));
    const auto error = authenticate(documented, verify_context());
    EXPECT_FALSE(error.has_value()) << error->message;
  }
}

}  // namespace
}  // namespace fanout::auth::testing
