// What the store keeps per message, in two records under the same key (queue id + sequence, both
// 8-byte big-endian, so a queue's messages are contiguous and in send order):
//  - the message record (written once at send): body, attributes and the send-time facts;
//  - the meta record (small, rewritten on receive and visibility changes): exactly what the
//    in-memory index needs, so recovery scans only these.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "services/sqs/message_attributes.h"

namespace fanout::services::sqs {

struct MessageRecord {
  std::string message_id;
  std::string body;
  MessageAttributes attributes;
  std::optional<std::string> trace_header;  // AWSTraceHeader system attribute
  std::string md5_of_body;                  // hex
  std::string group_id;                     // MessageGroupId ("" when none)
  std::string deduplication_id;             // FIFO: explicit or content-based
  std::string sequence_number;              // FIFO only
  std::string sender_id;
  std::string dead_letter_source_arn;  // set when moved to a dead-letter queue
  std::int64_t sent_ms = 0;            // SentTimestamp
};

struct MessageMeta {
  std::int64_t retention_basis_ms = 0;  // expiry counts from here (send, or move for FIFO DLQs)
  std::int64_t visible_at_ms = 0;       // delayed or in flight until then
  std::int64_t first_receive_ms = 0;    // 0 = never received
  std::uint32_t receive_count = 0;
  std::string group_id;              // FIFO ordering group ("" for standard queues)
  std::int64_t last_receive_ms = 0;  // the latest receive (bounds visibility changes at 12 h)
};

std::string encode_message(const MessageRecord& record);
std::optional<MessageRecord> decode_message(std::string_view bytes);
std::string encode_meta(const MessageMeta& meta);
std::optional<MessageMeta> decode_meta(std::string_view bytes);

// Keys.
std::string queue_key_prefix(std::uint64_t queue_id);
std::string message_key(std::uint64_t queue_id, std::uint64_t seq);
// Parses a message key; nullopt unless it is 16 bytes.
std::optional<std::pair<std::uint64_t, std::uint64_t>> parse_message_key(std::string_view key);
void put_u64_be(std::string& out, std::uint64_t value);
std::uint64_t get_u64_be(std::string_view bytes);

}  // namespace fanout::services::sqs
