// One pending push delivery (HTTP/S or Firehose) in the persisted outbox: what to send where,
// how often to retry, and where it goes when it cannot be delivered. Written in the same batch as
// the publish (or subscribe / unsubscribe) that caused it, erased once delivered or
// dead-lettered, so deliveries survive restarts.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <string>

#include "services/sns/delivery_policy.h"
#include "services/sns/message_attributes.h"

namespace fanout::services::sns {

struct OutboxEntry {
  enum class Kind { http, firehose };

  std::string id;
  Kind kind = Kind::http;
  std::string subscription_arn;
  std::string topic_arn;
  std::string account;                        // the topic's owner
  std::string endpoint;                       // URL, or the delivery stream ARN
  std::string role_arn;                       // Firehose: SubscriptionRoleArn
  std::string message_type = "Notification";  // | SubscriptionConfirmation | UnsubscribeConfirmation
  std::string message_id;
  bool raw = false;
  std::string content_type = "text/plain; charset=UTF-8";
  std::string body;
  MessageAttributes attributes;  // raw deliveries: passed on to the dead-letter queue
  std::string dead_letter_arn;   // "" = discard when undeliverable
  std::string group_id;          // FIFO topics
  std::string deduplication_id;
  RetryPolicy retry;
  bool needs_subscription = true;  // false for UnsubscribeConfirmation (sent after the subscription is gone)
  int attempts = 0;
  std::int64_t created_ms = 0;
  std::int64_t due_ms = 0;

  boost::json::object to_record() const;
  static OutboxEntry from_record(const boost::json::object& record);
  std::string serialize() const;
  // nullopt-free: throws on a corrupt record.
  static OutboxEntry parse(std::string_view text);
};

}  // namespace fanout::services::sns
