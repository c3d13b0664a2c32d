// HTTP/S delivery policies: the topic's DeliveryPolicy ({"http": {"defaultHealthyRetryPolicy":
// .., "disableSubscriptionOverrides": .., "defaultThrottlePolicy": .., "defaultRequestPolicy":
// ..}}), a subscription's DeliveryPolicy ({"healthyRetryPolicy": .., "throttlePolicy": ..,
// "requestPolicy": ..}), AWS's validation of them, the effective policy a delivery uses, and the
// retry schedule a retry policy describes.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fanout::services::sns {

struct RetryPolicy {
  int min_delay_target = 20;  // seconds
  int max_delay_target = 20;
  int num_retries = 3;
  int num_no_delay_retries = 0;
  int num_min_delay_retries = 0;
  int num_max_delay_retries = 0;
  std::string backoff_function = "linear";  // linear | arithmetic | geometric | exponential

  // Milliseconds to wait before retry `retry` (1-based: retry 1 follows the first failed
  // attempt): the no-delay phase, the minimum-delay phase, the backoff phase from
  // minDelayTarget to maxDelayTarget, then the maximum-delay phase.
  std::int64_t delay_ms(int retry) const;
  boost::json::object to_json() const;
  static RetryPolicy from_json(const boost::json::object& object);  // no validation (persisted policies)

  // What AWS uses for its managed endpoints (Firehose): 100,015 attempts over about 23 days.
  static RetryPolicy aws_managed();
  bool operator==(const RetryPolicy&) const = default;
};

struct SubscriptionDeliveryPolicy {
  std::optional<RetryPolicy> healthy;
  std::optional<int> max_receives_per_second;
  std::optional<std::string> header_content_type;
};

struct TopicDeliveryPolicy {
  std::optional<RetryPolicy> default_healthy;
  bool disable_subscription_overrides = false;
  std::optional<int> default_max_receives_per_second;
  std::optional<std::string> default_header_content_type;
};

// Both throw SnsError (InvalidParameter "DeliveryPolicy: ...") for malformed or out-of-range
// policies. "" parses to the empty policy.
SubscriptionDeliveryPolicy parse_subscription_delivery_policy(std::string_view json);
TopicDeliveryPolicy parse_topic_delivery_policy(std::string_view json);

// What one HTTP/S delivery uses: the subscription's retry policy unless the topic disables
// overrides, else the topic's default, else AWS's (3 retries, 20 s apart).
struct EffectiveHttpPolicy {
  RetryPolicy retry;
  std::string content_type = "text/plain; charset=UTF-8";
};
EffectiveHttpPolicy effective_http_policy(std::string_view subscription_policy,
                                          std::string_view topic_policy);

// The EffectiveDeliveryPolicy attribute of a topic and of a subscription.
std::string effective_topic_delivery_policy(std::string_view topic_policy);
std::string effective_subscription_delivery_policy(std::string_view subscription_policy,
                                                   std::string_view topic_policy);

}  // namespace fanout::services::sns
