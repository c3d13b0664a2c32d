// Requests captured from real SDKs (../wire-captures, see its README): each must verify with the
// capture credentials and the clock frozen at its X-Amz-Date, and must stop verifying once touched.
#include <gtest/gtest.h>

#include "auth/sigv4.h"
#include "sigv4_mutations.h"
#include "sigv4_test_support.h"

namespace fanout::auth::testing {
namespace {

class WireCaptures : public ::testing::TestWithParam<std::size_t> {
 protected:
  static const std::vector<WireCapture>& captures() {
    static const std::vector<WireCapture> all = load_wire_captures();
    return all;
  }
  const WireCapture& capture() const { return captures().at(GetParam()); }
};

TEST_P(WireCaptures, AcceptedWithFrozenClock) {
  const WireCapture& c = capture();
  SCOPED_TRACE(c.file + ": " + c.sdk + " " + c.call);
  const ParseResult parsed = parse_auth(c.request);
  ASSERT_TRUE(parsed.auth) << parsed.error->message;
  EXPECT_FALSE(parsed.auth->presigned);
  EXPECT_EQ(parsed.auth->scope.access_key_id, "AKIDEXAMPLE");
  EXPECT_EQ(parsed.auth->scope.region, "us-east-1");
  EXPECT_FALSE(check_scope(*parsed.auth, "us-east-1", parsed.auth->scope.service).has_value());

  VerifyContext context;
  context.secret = std::string(kExampleSecret);
  context.normalize_path = parsed.auth->scope.service != "s3";
  context.now = *parse_amz_date(parsed.auth->amz_date);
  // Also: signature, signed headers, path, query, body (unless streamed), scope and clock.
  expect_accepted_and_tamper_evident(c.request, context);

  // Checks off: accepted at any time.
  VerifyOptions options;
  options.check_time = false;
  options.now_seconds = 0;
  options.normalize_path = context.normalize_path;
  EXPECT_FALSE(verify_request(c.request, *parsed.auth, kExampleSecret, options).has_value());
}

TEST(WireCapturesCoverage, AllFourteenRecordsLoaded) {
  const auto captures = load_wire_captures();
  EXPECT_EQ(captures.size(), 14u);
  int s3 = 0;
  for (const auto& c : captures) s3 += c.call.starts_with("S3 ");
  EXPECT_EQ(s3, 4);
}

INSTANTIATE_TEST_SUITE_P(Sdk, WireCaptures, ::testing::Range<std::size_t>(0, 14), [](const auto& info) {
  const auto captures = load_wire_captures();
  const auto& c = captures.at(info.param);
  return test_name(c.file.substr(0, c.file.find(".json")) + "_" + c.call) + "_" + std::to_string(info.param);
});

}  // namespace
}  // namespace fanout::auth::testing
