// The JSON documents SNS delivers, byte for byte as AWS lays them out, and the canonical strings
// it signs. Notification: to SQS and HTTP/S (pretty-printed, signed; FIFO topics add
// SequenceNumber and are not signed) and to Firehose (compact, unsigned).
// SubscriptionConfirmation / UnsubscribeConfirmation: to HTTP/S endpoints and to SQS queues of
// other accounts.
#pragma once

#include <optional>
#include <string>

#include "services/sns/message_attributes.h"

namespace fanout::services::sns {

struct NotificationFields {
  std::string message_id;
  std::string topic_arn;
  std::optional<std::string> subject;
  std::string message;
  std::string timestamp;        // iso8601_ms
  std::string sequence_number;  // FIFO topics; "" otherwise
};

struct SignatureFields {
  std::string version;  // "1" or "2"
  std::string signature;
  std::string signing_cert_url;
};

// Message, MessageId, Subject (when given), Timestamp, TopicArn, Type: each "name\nvalue\n".
std::string notification_string_to_sign(const NotificationFields& fields);

// The SQS / HTTP body. `signature` null = unsigned (FIFO topics).
std::string notification_json(const NotificationFields& fields, const SignatureFields* signature,
                              const std::string& unsubscribe_url, const MessageAttributes& attributes);
// The Firehose record: the same fields, compact, without signature.
std::string notification_json_compact(const NotificationFields& fields, const std::string& unsubscribe_url,
                                      const MessageAttributes& attributes);

struct ConfirmationFields {
  std::string type;  // "SubscriptionConfirmation" | "UnsubscribeConfirmation"
  std::string message_id;
  std::string token;
  std::string topic_arn;
  std::string message;
  std::string subscribe_url;
  std::string timestamp;
};

// Message, MessageId, SubscribeURL, Timestamp, Token, TopicArn, Type.
std::string confirmation_string_to_sign(const ConfirmationFields& fields);
std::string confirmation_json(const ConfirmationFields& fields, const SignatureFields& signature);

}  // namespace fanout::services::sns
