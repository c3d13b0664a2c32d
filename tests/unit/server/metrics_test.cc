// The Prometheus text of the request metrics (bench/sqs reads the latency histogram back) and of
// the duration histogram they and the store share.
#include "server/metrics.h"

#include <gtest/gtest.h>

#include <array>
#include <string>

#include "common/duration_histogram.h"

namespace fanout {
namespace {

TEST(DurationHistogram, RendersCumulativeBucketsSumAndCount) {
  static constexpr std::array<double, 3> kBounds = {0.001, 0.01, 0.1};
  DurationHistogram histogram(kBounds);
  histogram.record(0.0005);
  histogram.record(0.001);  // a bound is inclusive
  histogram.record(0.05);
  histogram.record(2.0);  // beyond every bound: only +Inf
  EXPECT_EQ(histogram.count(), 4u);
  std::string text;
  histogram.render(text, "x_seconds", "");
  EXPECT_EQ(text,
            "x_seconds_bucket{le=\"0.001\"} 2\n"
            "x_seconds_bucket{le=\"0.01\"} 2\n"
            "x_seconds_bucket{le=\"0.1\"} 3\n"
            "x_seconds_bucket{le=\"+Inf\"} 4\n"
            "x_seconds_sum 2.051500\n"
            "x_seconds_count 4\n");
  std::string labelled;
  DurationHistogram(kBounds).render(labelled, "y", "a=\"b\"");
  EXPECT_EQ(labelled,
            "y_bucket{a=\"b\",le=\"0.001\"} 0\n"
            "y_bucket{a=\"b\",le=\"0.01\"} 0\n"
            "y_bucket{a=\"b\",le=\"0.1\"} 0\n"
            "y_bucket{a=\"b\",le=\"+Inf\"} 0\n"
            "y_sum{a=\"b\"} 0.000000\n"
            "y_count{a=\"b\"} 0\n");
}

TEST(Metrics, RequestCountsAndLatencyHistogramLines) {
  server::Metrics metrics;
  metrics.record("sqs", "SendMessage", 200, 0.0007);
  metrics.record("sqs", "SendMessage", 200, 0.003);
  metrics.record("sqs", "SendMessage", 400, 0.0001);
  const std::string text = metrics.render_prometheus();
  for (const char* line : {
           "fanout_requests_total{service=\"sqs\",operation=\"SendMessage\",status=\"200\"} 2\n",
           "fanout_requests_total{service=\"sqs\",operation=\"SendMessage\",status=\"400\"} 1\n",
           "fanout_request_duration_seconds_bucket{service=\"sqs\",operation=\"SendMessage\",le=\"0.0005\"} "
           "1\n",
           "fanout_request_duration_seconds_bucket{service=\"sqs\",operation=\"SendMessage\",le=\"0.001\"} "
           "2\n",
           "fanout_request_duration_seconds_bucket{service=\"sqs\",operation=\"SendMessage\",le=\"0.005\"} "
           "3\n",
           "fanout_request_duration_seconds_bucket{service=\"sqs\",operation=\"SendMessage\",le=\"+Inf\"} "
           "3\n",
           "fanout_request_duration_seconds_sum{service=\"sqs\",operation=\"SendMessage\"} 0.003800\n",
           "fanout_request_duration_seconds_count{service=\"sqs\",operation=\"SendMessage\"} 3\n",
       }) {
    EXPECT_NE(text.find(line), std::string::npos) << line << "\nin:\n" << text;
  }
}

}  // namespace
}  // namespace fanout
