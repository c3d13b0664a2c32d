// The character and length rules SQS applies to names, ids and message text.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace fanout::services::sqs::validation {

// 1–80 of [A-Za-z0-9_-]; for FIFO queues the same followed by ".fifo" (80 in total).
bool is_valid_queue_name(std::string_view name, bool fifo);
// Batch entry ids and permission labels: 1–80 of [A-Za-z0-9_-].
bool is_valid_batch_id(std::string_view id);
// MessageGroupId, MessageDeduplicationId, ReceiveRequestAttemptId: 1–128 of ASCII 0x21–0x7E.
bool is_valid_token(std::string_view token);
// Message attribute names: 1–256 of [A-Za-z0-9_.-], no "AWS."/"Amazon." prefix (any case), no
// leading or trailing '.', no "..".
bool is_valid_attribute_name(std::string_view name);

// The first code point outside #x9 | #xA | #xD | #x20–#xD7FF | #xE000–#xFFFD | #x10000–#x10FFFF,
// or nullopt when every character is allowed. Malformed UTF-8 reports U+FFFF... as its byte.
std::optional<std::uint32_t> first_invalid_character(std::string_view utf8);

// Strict decimal integer parse ("-12"; no spaces, no '+', within int64).
std::optional<std::int64_t> parse_integer(std::string_view text);

}  // namespace fanout::services::sqs::validation
