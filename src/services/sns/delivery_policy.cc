#include "services/sns/delivery_policy.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>

#include "services/sns/sns_error.h"

namespace fanout::services::sns {

namespace json = boost::json;

namespace {

[[noreturn]] void bad(std::string_view why) {
  throw errors::invalid_parameter("DeliveryPolicy: " + std::string(why));
}

json::object parse_object(std::string_view text) {
  boost::system::error_code ec;
  auto value = json::parse(text, ec);
  if (ec || !value.is_object()) bad("Invalid JSON");
  return std::move(value.as_object());
}

int int_field(const json::object& o, std::string_view key, int fallback, std::string_view path) {
  const auto* v = o.if_contains(key);
  if (!v || v->is_null()) return fallback;
  if (v->is_int64()) return static_cast<int>(std::clamp<std::int64_t>(v->as_int64(), -1, 1'000'000));
  if (v->is_uint64()) return static_cast<int>(std::min<std::uint64_t>(v->as_uint64(), 1'000'000));
  if (v->is_string()) {
    try {
      return std::stoi(std::string(v->as_string()));
    } catch (...) {
    }
  }
  bad(std::string(path) + "." + std::string(key) + " must be an integer");
}

RetryPolicy parse_retry(const json::value& value, std::string_view path) {
  if (!value.is_object()) bad(std::string(path) + " must be an object");
  const auto& o = value.as_object();
  RetryPolicy p;
  p.min_delay_target = int_field(o, "minDelayTarget", p.min_delay_target, path);
  p.max_delay_target = int_field(o, "maxDelayTarget", p.max_delay_target, path);
  p.num_retries = int_field(o, "numRetries", p.num_retries, path);
  p.num_no_delay_retries = int_field(o, "numNoDelayRetries", 0, path);
  p.num_min_delay_retries = int_field(o, "numMinDelayRetries", 0, path);
  p.num_max_delay_retries = int_field(o, "numMaxDelayRetries", 0, path);
  if (const auto* f = o.if_contains("backoffFunction"); f && !f->is_null()) {
    if (!f->is_string()) bad(std::string(path) + ".backoffFunction must be a string");
    p.backoff_function = std::string(f->as_string());
  }
  const std::string at(path);
  if (p.min_delay_target < 1) bad(at + ".minDelayTarget must be at least 1");
  if (p.max_delay_target > 3600) bad(at + ".maxDelayTarget must be at most 3600");
  if (p.min_delay_target > p.max_delay_target)
    bad(at + ".minDelayTarget must be less than or equal to maxDelayTarget");
  if (p.num_retries < 0 || p.num_retries > 100) bad(at + ".numRetries must be between 0 and 100");
  if (p.num_no_delay_retries < 0 || p.num_min_delay_retries < 0 || p.num_max_delay_retries < 0) {
    bad(at + ": retry counts must not be negative");
  }
  if (p.num_no_delay_retries + p.num_min_delay_retries + p.num_max_delay_retries > p.num_retries) {
    bad(at + ": numNoDelayRetries + numMinDelayRetries + numMaxDelayRetries must not exceed numRetries");
  }
  static const char* kFunctions[] = {"linear", "arithmetic", "geometric", "exponential"};
  if (std::none_of(std::begin(kFunctions), std::end(kFunctions),
                   [&](const char* f) { return p.backoff_function == f; })) {
    bad(at + ".backoffFunction must be one of linear, arithmetic, geometric, exponential");
  }
  return p;
}

std::optional<int> parse_throttle(const json::value* value, std::string_view path) {
  if (!value || value->is_null()) return std::nullopt;
  if (!value->is_object()) bad(std::string(path) + " must be an object");
  const auto& o = value->as_object();
  if (!o.contains("maxReceivesPerSecond")) return std::nullopt;
  int n = int_field(o, "maxReceivesPerSecond", 0, path);
  if (n < 1) bad(std::string(path) + ".maxReceivesPerSecond must be at least 1");
  return n;
}

std::optional<std::string> parse_request(const json::value* value, std::string_view path) {
  if (!value || value->is_null()) return std::nullopt;
  if (!value->is_object()) bad(std::string(path) + " must be an object");
  const auto* type = value->as_object().if_contains("headerContentType");
  if (!type || type->is_null()) return std::nullopt;
  if (!type->is_string() || type->as_string().empty())
    bad(std::string(path) + ".headerContentType is invalid");
  return std::string(type->as_string());
}

}  // namespace

std::int64_t RetryPolicy::delay_ms(int retry) const {
  if (retry <= num_no_delay_retries) return 0;
  retry -= num_no_delay_retries;
  if (retry <= num_min_delay_retries) return min_delay_target * 1000LL;
  retry -= num_min_delay_retries;
  const int backoff = num_retries - num_no_delay_retries - num_min_delay_retries - num_max_delay_retries;
  if (retry > backoff) return max_delay_target * 1000LL;
  const double lo = min_delay_target, hi = max_delay_target;
  const double f = backoff <= 0 ? 1.0 : static_cast<double>(retry) / backoff;
  double seconds;
  if (backoff_function == "exponential") {
    seconds = lo * std::pow(hi / lo, f);
  } else if (backoff_function == "geometric") {
    seconds = lo + (hi - lo) * (std::pow(2.0, retry) - 1) / (std::pow(2.0, backoff) - 1);
  } else {  // linear, arithmetic
    seconds = lo + (hi - lo) * f;
  }
  return static_cast<std::int64_t>(std::llround(seconds * 1000.0));
}

json::object RetryPolicy::to_json() const {
  return json::object{{"minDelayTarget", min_delay_target},
                      {"maxDelayTarget", max_delay_target},
                      {"numRetries", num_retries},
                      {"numMaxDelayRetries", num_max_delay_retries},
                      {"numNoDelayRetries", num_no_delay_retries},
                      {"numMinDelayRetries", num_min_delay_retries},
                      {"backoffFunction", backoff_function}};
}

RetryPolicy RetryPolicy::from_json(const json::object& o) {
  RetryPolicy p;
  auto get = [&](std::string_view key, int fallback) {
    const auto* v = o.if_contains(key);
    return v && v->is_int64() ? static_cast<int>(v->as_int64()) : fallback;
  };
  p.min_delay_target = get("minDelayTarget", p.min_delay_target);
  p.max_delay_target = get("maxDelayTarget", p.max_delay_target);
  p.num_retries = get("numRetries", p.num_retries);
  p.num_max_delay_retries = get("numMaxDelayRetries", 0);
  p.num_no_delay_retries = get("numNoDelayRetries", 0);
  p.num_min_delay_retries = get("numMinDelayRetries", 0);
  if (const auto* f = o.if_contains("backoffFunction"); f && f->is_string())
    p.backoff_function = std::string(f->as_string());
  return p;
}

RetryPolicy RetryPolicy::aws_managed() {
  RetryPolicy p;
  p.min_delay_target = 1;
  p.max_delay_target = 20;
  p.num_retries = 100015;
  p.num_no_delay_retries = 3;
  p.num_min_delay_retries = 2;
  p.num_max_delay_retries = 100000;
  p.backoff_function = "exponential";
  return p;
}

SubscriptionDeliveryPolicy parse_subscription_delivery_policy(std::string_view text) {
  SubscriptionDeliveryPolicy out;
  if (text.empty()) return out;
  auto o = parse_object(text);
  for (const auto& [key, value] : o) {
    if (key != "healthyRetryPolicy" && key != "throttlePolicy" && key != "requestPolicy" &&
        key != "sicklyRetryPolicy" && key != "guaranteed") {
      bad("Unknown key " + std::string(key));
    }
  }
  if (const auto* h = o.if_contains("healthyRetryPolicy"); h && !h->is_null()) {
    out.healthy = parse_retry(*h, "healthyRetryPolicy");
  }
  out.max_receives_per_second = parse_throttle(o.if_contains("throttlePolicy"), "throttlePolicy");
  out.header_content_type = parse_request(o.if_contains("requestPolicy"), "requestPolicy");
  return out;
}

TopicDeliveryPolicy parse_topic_delivery_policy(std::string_view text) {
  TopicDeliveryPolicy out;
  if (text.empty()) return out;
  auto o = parse_object(text);
  const auto* http = o.if_contains("http");
  if (!http || http->is_null()) return out;
  if (!http->is_object()) bad("http must be an object");
  const auto& h = http->as_object();
  for (const auto& [key, value] : h) {
    if (key != "defaultHealthyRetryPolicy" && key != "disableSubscriptionOverrides" &&
        key != "defaultThrottlePolicy" && key != "defaultRequestPolicy" &&
        key != "defaultSicklyRetryPolicy") {
      bad("Unknown key http." + std::string(key));
    }
  }
  if (const auto* d = h.if_contains("defaultHealthyRetryPolicy"); d && !d->is_null()) {
    out.default_healthy = parse_retry(*d, "http.defaultHealthyRetryPolicy");
  }
  if (const auto* d = h.if_contains("disableSubscriptionOverrides"); d && !d->is_null()) {
    if (d->is_bool()) {
      out.disable_subscription_overrides = d->as_bool();
    } else if (d->is_string() && (d->as_string() == "true" || d->as_string() == "false")) {
      out.disable_subscription_overrides = d->as_string() == "true";
    } else {
      bad("http.disableSubscriptionOverrides must be a boolean");
    }
  }
  out.default_max_receives_per_second =
      parse_throttle(h.if_contains("defaultThrottlePolicy"), "http.defaultThrottlePolicy");
  out.default_header_content_type =
      parse_request(h.if_contains("defaultRequestPolicy"), "http.defaultRequestPolicy");
  return out;
}

namespace {

// Policies were validated when set; a stored one that no longer parses counts as absent.
SubscriptionDeliveryPolicy stored_subscription_policy(std::string_view text) {
  try {
    return parse_subscription_delivery_policy(text);
  } catch (...) {
    return {};
  }
}

TopicDeliveryPolicy stored_topic_policy(std::string_view text) {
  try {
    return parse_topic_delivery_policy(text);
  } catch (...) {
    return {};
  }
}

}  // namespace

EffectiveHttpPolicy effective_http_policy(std::string_view subscription_policy,
                                          std::string_view topic_policy) {
  auto sub = stored_subscription_policy(subscription_policy);
  auto topic = stored_topic_policy(topic_policy);
  EffectiveHttpPolicy out;
  if (topic.default_healthy) out.retry = *topic.default_healthy;
  if (topic.default_header_content_type) out.content_type = *topic.default_header_content_type;
  if (!topic.disable_subscription_overrides) {
    if (sub.healthy) out.retry = *sub.healthy;
    if (sub.header_content_type) out.content_type = *sub.header_content_type;
  }
  return out;
}

std::string effective_topic_delivery_policy(std::string_view topic_policy) {
  auto topic = stored_topic_policy(topic_policy);
  json::object http;
  http["defaultHealthyRetryPolicy"] = topic.default_healthy.value_or(RetryPolicy{}).to_json();
  http["disableSubscriptionOverrides"] = topic.disable_subscription_overrides;
  if (topic.default_max_receives_per_second) {
    http["defaultThrottlePolicy"] =
        json::object{{"maxReceivesPerSecond", *topic.default_max_receives_per_second}};
  }
  http["defaultRequestPolicy"] = json::object{
      {"headerContentType", topic.default_header_content_type.value_or("text/plain; charset=UTF-8")}};
  return json::serialize(json::object{{"http", std::move(http)}});
}

std::string effective_subscription_delivery_policy(std::string_view subscription_policy,
                                                   std::string_view topic_policy) {
  auto sub = stored_subscription_policy(subscription_policy);
  auto topic = stored_topic_policy(topic_policy);
  auto effective = effective_http_policy(subscription_policy, topic_policy);
  json::object out;
  out["healthyRetryPolicy"] = effective.retry.to_json();
  out["sicklyRetryPolicy"] = nullptr;
  std::optional<int> throttle = topic.default_max_receives_per_second;
  if (!topic.disable_subscription_overrides && sub.max_receives_per_second)
    throttle = sub.max_receives_per_second;
  if (throttle) {
    out["throttlePolicy"] = json::object{{"maxReceivesPerSecond", *throttle}};
  } else {
    out["throttlePolicy"] = nullptr;
  }
  if (!topic.disable_subscription_overrides && sub.header_content_type) {
    out["requestPolicy"] = json::object{{"headerContentType", *sub.header_content_type}};
  }
  out["guaranteed"] = false;
  return json::serialize(out);
}

}  // namespace fanout::services::sns
