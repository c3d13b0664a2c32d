// Caps on in-flight requests and long polls: admitted while under the cap, refused over it,
// and every slot back once its ticket goes.
#include "server/admission.h"

#include <gtest/gtest.h>

#include <vector>

namespace fanout::server {
namespace {

TEST(Admission, InflightRequestsAreCappedAndReleased) {
  Admission admission({.max_inflight_requests = 2});
  auto a = admission.admit_request();
  auto b = admission.admit_request();
  ASSERT_TRUE(a);
  ASSERT_TRUE(b);
  EXPECT_FALSE(admission.admit_request());
  EXPECT_EQ(admission.throttled(), 1u);
  b.reset();
  EXPECT_EQ(admission.inflight_requests(), 1u);
  auto c = admission.admit_request();
  EXPECT_TRUE(c);
}

TEST(Admission, LongPollsAreCappedPerAccountAndInAll) {
  Admission admission({.max_inflight_requests = 1, .max_long_polls = 3, .max_long_polls_per_account = 2});
  std::vector<Admission::Ticket> held;
  held.push_back(admission.admit_long_poll("111111111111"));
  held.push_back(admission.admit_long_poll("111111111111"));
  EXPECT_FALSE(admission.admit_long_poll("111111111111"));  // the account's cap
  held.push_back(admission.admit_long_poll("222222222222"));
  EXPECT_FALSE(admission.admit_long_poll("333333333333"));  // the global cap
  for (const auto& t : held) EXPECT_TRUE(t);
  // Long polls do not use in-flight slots.
  EXPECT_TRUE(admission.admit_request());
  held.erase(held.begin());
  EXPECT_EQ(admission.long_polls(), 2u);
  EXPECT_TRUE(admission.admit_long_poll("333333333333"));
}

TEST(Admission, EachServiceThrottlesInItsOwnWords) {
  EXPECT_EQ(throttling_error("sqs").code, "RequestThrottled");
  EXPECT_EQ(throttling_error("sqs").http_status, 400);
  EXPECT_EQ(throttling_error("sns").code, "Throttled");
  EXPECT_EQ(throttling_error("sns").http_status, 429);
  EXPECT_EQ(throttling_error("firehose").code, "ThrottlingException");
  EXPECT_EQ(throttling_error("s3").code, "SlowDown");
  EXPECT_EQ(throttling_error("s3").http_status, 503);
  EXPECT_FALSE(throttling_error("s3").sender_fault);
  EXPECT_EQ(throttling_error("cloudformation").code, "Throttling");
}

}  // namespace
}  // namespace fanout::server
