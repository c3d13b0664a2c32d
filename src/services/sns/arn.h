// How SNS names things: topic ARNs (arn:aws:sns:<region>:<account>:<name>), subscription ARNs
// (<topic-arn>:<uuid>), and the ARN shapes a subscription may point at (SQS queues, Firehose
// delivery streams, IAM roles).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace fanout::services::sns {

struct TopicName {
  std::string region;
  std::string account;
  std::string name;
};

std::string format_topic_arn(std::string_view region, std::string_view account, std::string_view name);
// nullopt unless `arn` is arn:<partition>:sns:<region>:<12-digit account>:<valid topic name>.
std::optional<TopicName> parse_topic_arn(std::string_view arn);
// "orders", "orders-v2_x" (1–256 of [A-Za-z0-9_-]); FIFO names end in ".fifo".
bool is_valid_topic_name(std::string_view name, bool fifo);

// The topic ARN of a subscription ARN ("<topic-arn>:<id>"); nullopt when malformed.
std::optional<std::string> topic_of_subscription_arn(std::string_view subscription_arn);

struct QueueName {
  std::string region;
  std::string account;
  std::string name;
  bool fifo() const { return name.size() > 5 && name.ends_with(".fifo"); }
};
// arn:aws:sqs:<region>:<account>:<name>
std::optional<QueueName> parse_queue_arn(std::string_view arn);

// arn:aws:firehose:<region>:<account>:deliverystream/<name>
bool is_firehose_stream_arn(std::string_view arn);
// arn:aws:iam::<account>:role/<path/name>
bool is_iam_role_arn(std::string_view arn);

bool is_account_id(std::string_view text);

}  // namespace fanout::services::sns
