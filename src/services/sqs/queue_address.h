// How queues are named on the wire: URLs (any AWS-style host, resolved by their last two path
// segments) and ARNs (arn:aws:sqs:<region>:<account>:<name>).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace fanout::services::sqs {

struct QueueAddress {
  std::string account;
  std::string name;
};

// "https://sqs.us-east-1.amazonaws.com/123456789012/orders" → {123456789012, orders}.
// Any scheme and host; a query string or fragment is ignored. nullopt unless the path has at
// least two non-empty segments.
std::optional<QueueAddress> parse_queue_url(std::string_view url);
// "arn:aws:sqs:us-east-1:123456789012:orders" → {123456789012, orders}; nullopt otherwise.
std::optional<QueueAddress> parse_queue_arn(std::string_view arn);
// A URL, an ARN, or (for internal callers) "<account>/<name>".
std::optional<QueueAddress> parse_queue_reference(std::string_view reference);

std::string format_queue_url(std::string_view scheme, std::string_view host, std::string_view account,
                             std::string_view name);
std::string format_queue_arn(std::string_view region, std::string_view account, std::string_view name);

}  // namespace fanout::services::sqs
