// Read-only views of a queue for the console and the LocalStack-style peek endpoint. They take
// the queue's mutex only to copy the index entries they show, and read bodies outside it.
#include <algorithm>
#include <vector>

#include "services/sqs/engine_internal.h"

namespace fanout::services::sqs {

std::optional<SqsEngine::QueueActivity> SqsEngine::queue_activity(std::string_view account,
                                                                  std::string_view name) const {
  auto queue = registry_.find(account, name);
  if (!queue) return std::nullopt;
  QueueActivity activity{queue->sent_total.load(std::memory_order_relaxed),
                         queue->received_total.load(std::memory_order_relaxed),
                         queue->deleted_total.load(std::memory_order_relaxed)};
  std::lock_guard lock(queue->mutex);
  if (const auto* oldest = queue->index.oldest()) activity.oldest_sent_ms = oldest->retention_basis_ms();
  return activity;
}

std::optional<boost::json::array> SqsEngine::peek_messages(std::string_view account, std::string_view name,
                                                           const PeekOptions& options) const {
  auto queue = registry_.find(account, name);
  if (!queue) return std::nullopt;
  const auto t = now();
  std::vector<std::pair<std::uint64_t, IndexedMessage>> picked;
  {
    std::lock_guard lock(queue->mutex);
    if (queue->deleted) return std::nullopt;
    queue->index.for_each([&](std::uint64_t seq, const IndexedMessage& message) {
      if (picked.size() >= options.max_messages) return;
      // The index promotes lazily: a message whose time has come counts as visible here.
      const bool waiting = message.visible_at_ms > t && message.state() != MessageState::ready;
      const bool inflight = waiting && message.receive_count > 0;
      const bool delayed = waiting && message.receive_count == 0;
      if (inflight && !options.include_inflight) return;
      if (delayed && !options.include_delayed) return;
      picked.emplace_back(seq, message);
    });
  }
  boost::json::array out;
  for (const auto& [seq, indexed] : picked) {
    auto stored = store_.get(kMessagesCf, message_key(queue->id, seq));
    if (!stored) continue;  // deleted meanwhile
    auto record = decode_message(*stored);
    if (!record) continue;
    boost::json::object message;
    message["MessageId"] = record->message_id;
    message["MD5OfBody"] = record->md5_of_body;
    message["Body"] = record->body;
    boost::json::object attributes;
    attributes["SenderId"] = record->sender_id;
    attributes["SentTimestamp"] = std::to_string(record->sent_ms);
    attributes["ApproximateReceiveCount"] = std::to_string(indexed.receive_count);
    if (indexed.first_receive_ms > 0) {
      attributes["ApproximateFirstReceiveTimestamp"] = std::to_string(indexed.first_receive_ms);
    }
    if (!record->sequence_number.empty()) attributes["SequenceNumber"] = record->sequence_number;
    if (!record->deduplication_id.empty()) attributes["MessageDeduplicationId"] = record->deduplication_id;
    if (!record->group_id.empty()) attributes["MessageGroupId"] = record->group_id;
    if (record->trace_header) attributes["AWSTraceHeader"] = *record->trace_header;
    if (!record->dead_letter_source_arn.empty()) {
      attributes["DeadLetterQueueSourceArn"] = record->dead_letter_source_arn;
    }
    message["Attributes"] = std::move(attributes);
    if (!record->attributes.empty()) {
      message["MD5OfMessageAttributes"] = md5_of_attributes(record->attributes);
      message["MessageAttributes"] = attributes_to_json(record->attributes);
    }
    out.push_back(std::move(message));
  }
  return out;
}

}  // namespace fanout::services::sqs
