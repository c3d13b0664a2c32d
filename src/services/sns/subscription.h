// A subscription's configuration: endpoint, confirmation state, the attributes set on it
// (validated as AWS does), their parsed forms (filter policy, dead-letter queue, raw delivery),
// and its persisted form. Immutable once registered: a change makes a new Subscription.
#pragma once

#include <atomic>
#include <boost/json/object.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "services/sns/filter_policy.h"

namespace fanout::services::sns {

// Deliveries to one subscription since start, for the console. Shared by the copies a change
// makes, so the counts outlive attribute changes; relaxed atomics only.
struct DeliveryCounters {
  std::atomic<std::uint64_t> delivered{0};
  std::atomic<std::uint64_t> failed{0};  // failed attempts (retried ones included)
};

struct Subscription {
  std::string arn;  // "<topic-arn>:<uuid>"
  std::string topic_arn;
  std::string owner;     // the account that subscribed
  std::string protocol;  // sqs | http | https | firehose
  std::string endpoint;
  bool confirmed = false;
  std::string token;  // confirmation token
  std::int64_t token_expires_ms = 0;
  bool confirmation_authenticated = false;
  bool authenticate_on_unsubscribe = false;
  std::string service_url;  // "<scheme>://<host>" the Subscribe request came in on
  std::map<std::string, std::string, std::less<>> attributes;  // as set
  std::int64_t created_ms = 0;

  // Derived by finish() from `attributes`.
  bool raw = false;
  std::string dead_letter_arn;         // RedrivePolicy's deadLetterTargetArn, "" when none
  std::optional<FilterPolicy> filter;  // nullopt: every message matches
  std::shared_ptr<DeliveryCounters> counters = std::make_shared<DeliveryCounters>();

  std::string attribute(std::string_view name) const;
  // Parses the derived fields from the attributes (which were validated when set).
  void finish();

  boost::json::object to_record() const;
  static Subscription from_record(const boost::json::object& record);
};

// Protocols Subscribe knows and the ones fanoutd delivers to.
bool is_known_protocol(std::string_view protocol);
bool is_delivered_protocol(std::string_view protocol);

// Checks one attribute of Subscribe (`subscribing`: errors say "Attributes Reason: ...") or
// SetSubscriptionAttributes and returns the value to store. `queue_fifo`: whether the topic is
// FIFO (RedrivePolicy targets must then be FIFO queues). Throws SnsError.
std::string validate_subscription_attribute(std::string_view name, std::string_view value,
                                            std::string_view protocol, bool topic_fifo, bool subscribing,
                                            std::string_view filter_scope);

}  // namespace fanout::services::sns
