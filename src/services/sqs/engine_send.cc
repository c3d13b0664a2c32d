// Sending: SendMessage, SendMessageBatch and the typed API other engines use (stage_send /
// finish_staged / enqueue). A message is written (body record + meta record, and for FIFO its
// deduplication entry) in one batch and becomes receivable once that batch is durable.
#include <algorithm>
#include <boost/json.hpp>
#include <mutex>
#include <set>

#include "common/crypto.h"
#include "common/fast_uuid.h"
#include "services/sqs/engine_internal.h"
#include "services/sqs/json_input.h"
#include "services/sqs/queue_address.h"
#include "services/sqs/sqs_engine.h"
#include "services/sqs/sqs_error.h"
#include "services/sqs/validation.h"

namespace fanout::services::sqs {

namespace {

constexpr std::size_t kMaxBatchBytes = 1048576;

std::string sender_id_of(const protocol::RequestContext& context) {
  return context.access_key_id.empty() ? context.account_id : context.access_key_id;
}

// 20-digit, increasing with the queue's sequence.
std::string sequence_number(std::uint64_t seq) { return std::to_string(10000000000000000000ULL + seq); }

std::string invalid_character_text(std::uint32_t cp) {
  char hex[16];
  std::snprintf(hex, sizeof hex, "#x%X", cp);
  return hex;
}

}  // namespace

boost::json::object SqsEngine::send_result_json(const SendResult& result) {
  boost::json::object out;
  out["MD5OfMessageBody"] = result.md5_of_body;
  if (!result.md5_of_attributes.empty()) out["MD5OfMessageAttributes"] = result.md5_of_attributes;
  if (!result.md5_of_system_attributes.empty())
    out["MD5OfMessageSystemAttributes"] = result.md5_of_system_attributes;
  out["MessageId"] = result.message_id;
  if (!result.sequence_number.empty()) out["SequenceNumber"] = result.sequence_number;
  return out;
}

SendRequest SqsEngine::parse_send_request(const Input& entry) {
  SendRequest request;
  request.body = input::opt_string(entry, "MessageBody").value_or("");
  request.attributes = parse_message_attributes(input::opt_object(entry, "MessageAttributes"));
  request.trace_header = parse_system_attributes(input::opt_object(entry, "MessageSystemAttributes"));
  request.delay_seconds = input::opt_int(entry, "DelaySeconds");
  request.group_id = input::opt_string(entry, "MessageGroupId").value_or("");
  request.deduplication_id = input::opt_string(entry, "MessageDeduplicationId").value_or("");
  return request;
}

SqsEngine::PreparedSend SqsEngine::prepare_send(Queue& queue, SendRequest request,
                                                const std::string& sender_id) {
  std::int64_t max_size, default_delay;
  bool content_based;
  {
    std::lock_guard lock(queue.mutex);
    if (queue.deleted) throw errors::queue_does_not_exist();
    max_size = queue.settings.maximum_message_size;
    default_delay = queue.settings.delay_seconds;
    content_based = queue.settings.content_based_deduplication;
  }
  if (request.body.empty()) throw errors::missing_parameter("MessageBody");
  if (auto bad = validation::first_invalid_character(request.body)) {
    throw SqsError(
        "InvalidMessageContents",
        "Invalid binary character '" + invalid_character_text(*bad) +
            "' was found in the message body, the set of allowed characters is #x9 | #xA | #xD | #x20 to "
            "#xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF");
  }
  const std::size_t size = request.body.size() + attributes_size(request.attributes);
  if (size > static_cast<std::size_t>(max_size)) {
    throw errors::invalid_parameter(
        "One or more parameters are invalid. Reason: Message must be shorter than " +
        std::to_string(max_size) + " bytes.");
  }
  if (request.delay_seconds) {
    const auto delay = *request.delay_seconds;
    if (delay < 0 || delay > 900) {
      throw errors::invalid_parameter_value("DelaySeconds", std::to_string(delay),
                                            "DelaySeconds must be >= 0 and <= 900.");
    }
    if (queue.fifo && delay != 0) {
      throw errors::invalid_parameter_value(
          "DelaySeconds", std::to_string(delay),
          "The request include parameter that is not valid for this queue type.");
    }
  }
  if (!request.group_id.empty() && !validation::is_valid_token(request.group_id)) {
    throw errors::invalid_parameter_value(
        "MessageGroupId", request.group_id,
        "MessageGroupId can only include alphanumeric and punctuation characters. "
        "1 to 128 in length.");
  }
  if (queue.fifo) {
    if (request.group_id.empty()) throw errors::missing_parameter("MessageGroupId");
    if (request.deduplication_id.empty()) {
      if (!content_based) {
        throw errors::invalid_parameter(
            "The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId "
            "provided "
            "explicitly");
      }
      request.deduplication_id = crypto::hex(crypto::sha256(request.body));
    } else if (!validation::is_valid_token(request.deduplication_id)) {
      throw errors::invalid_parameter_value(
          "MessageDeduplicationId", request.deduplication_id,
          "MessageDeduplicationId can only include alphanumeric and punctuation "
          "characters. 1 to 128 in length.");
    }
  } else if (!request.deduplication_id.empty()) {
    throw errors::invalid_parameter_value(
        "MessageDeduplicationId", request.deduplication_id,
        "The request include parameter that is not valid for this queue type.");
  }

  PreparedSend prepared;
  // Stored: receives answer with it.
  prepared.md5_of_body =
      request.md5_of_body.empty() ? crypto::hex(crypto::md5(request.body)) : std::move(request.md5_of_body);
  prepared.delay_seconds = queue.fifo ? default_delay : request.delay_seconds.value_or(default_delay);
  prepared.sender_id = sender_id;
  prepared.request = std::move(request);
  return prepared;
}

void SqsEngine::add_attribute_checksums(PreparedSend& send) {
  const auto& request = send.request;
  if (!request.attributes.empty()) send.md5_of_attributes = md5_of_attributes(request.attributes);
  if (request.trace_header) send.md5_of_system_attributes = md5_of_system_attributes(*request.trace_header);
}

SendResult SqsEngine::stage_locked(const std::shared_ptr<Queue>& queue, PreparedSend& send,
                                   store::Batch& batch, StagedSends& staged) {
  const auto t = now();
  auto& request = send.request;
  SendResult result;
  result.md5_of_body = send.md5_of_body;
  result.md5_of_attributes = send.md5_of_attributes;
  result.md5_of_system_attributes = send.md5_of_system_attributes;

  std::string dedup_key;
  if (queue->fifo) {
    dedup_key = DedupCache::key(queue->settings.deduplication_scope == "messageGroup", request.group_id,
                                request.deduplication_id);
    if (const auto* seen = queue->dedup.find(dedup_key, t)) {
      // Accepted, not delivered again: answered with the original message's identifiers.
      result.message_id = seen->message_id;
      result.sequence_number = seen->sequence_number;
      return result;
    }
  }

  const std::uint64_t seq = allocate_seq(*queue, batch);
  MessageRecord record;
  record.message_id = crypto::fast_uuid_v4();
  record.md5_of_body = send.md5_of_body;
  record.group_id = request.group_id;
  record.deduplication_id = queue->fifo ? request.deduplication_id : std::string();
  record.sequence_number = queue->fifo ? sequence_number(seq) : std::string();
  record.sender_id = send.sender_id;
  record.sent_ms = t;
  record.trace_header = request.trace_header;
  record.attributes = std::move(request.attributes);
  record.body = std::move(request.body);

  MessageMeta meta;
  meta.retention_basis_ms = t;
  meta.visible_at_ms = t + send.delay_seconds * 1000;
  meta.group_id = queue->fifo ? record.group_id : std::string();

  const std::string key = message_key(queue->id, seq);
  batch.put(kMessagesCf, key, encode_message(record));
  batch.put(kMetaCf, key, encode_meta(meta));

  result.message_id = record.message_id;
  result.sequence_number = record.sequence_number;
  if (queue->fifo) {
    DedupCache::Entry entry{t + kDeduplicationIntervalMs, record.message_id, record.sequence_number};
    batch.put(kDedupCf, dedup_store_key(queue->id, dedup_key), DedupCache::encode(entry));
    queue->dedup.put(dedup_key, std::move(entry));
  }
  staged.items_.push_back(
      StagedSends::Item{queue, seq, std::move(meta), std::move(dedup_key), record.message_id});
  return result;
}

void SqsEngine::apply_staged(StagedSends& staged, bool durable) {
  const auto t = now();
  auto& items = staged.items_;
  // A fan-out stages its queues interleaved (entry 1 to q1 and q2, entry 2 to q1 and q2, ...).
  // Each queue takes all of its items before its parked receives are served, so a woken receive
  // gets the whole batch's messages instead of the first one alone (and the next waiter the next).
  for (std::size_t first = 0; first < items.size(); ++first) {
    const std::shared_ptr<Queue> queue = items[first].queue;
    const auto same_queue = [&](const StagedSends::Item& item) { return item.queue == queue; };
    if (std::any_of(items.begin(), items.begin() + static_cast<std::ptrdiff_t>(first), same_queue)) continue;
    std::vector<std::shared_ptr<ReceiveJob>> jobs;
    {
      std::lock_guard lock(queue->mutex);
      if (queue->deleted) continue;
      for (std::size_t i = first; i < items.size(); ++i) {
        auto& item = items[i];
        if (!same_queue(item)) continue;
        if (durable) {
          queue->index.insert(item.seq, item.meta, t);
          queue->sent_total.fetch_add(1, std::memory_order_relaxed);
        } else if (!item.dedup_key.empty()) {
          const auto* entry = queue->dedup.find(item.dedup_key, t);
          if (entry != nullptr && entry->message_id == item.message_id) queue->dedup.erase(item.dedup_key);
        }
      }
      if (durable && !queue->waiters.empty()) jobs = service_waiters_locked(queue, t);
    }
    for (auto& job : jobs) read_and_finish(job);
  }
  items.clear();
}

void SqsEngine::send_message(const Context& context, const Input& input, Completion& done) {
  auto queue = resolve(context, input, "SendMessage", true);
  auto prepared = prepare_send(*queue, parse_send_request(input), sender_id_of(context));
  add_attribute_checksums(prepared);
  auto staged = std::make_shared<StagedSends>();
  store::Batch batch;
  std::unique_lock lock(queue->mutex);
  if (queue->deleted) throw errors::queue_does_not_exist();
  auto result = send_result_json(stage_locked(queue, prepared, batch, *staged));
  if (staged->empty()) {
    lock.unlock();
    done(std::move(result));
    return;
  }
  commit(std::move(batch), [this, staged, done = std::move(done),
                            result = std::move(result)](const store::Status& status) mutable {
    apply_staged(*staged, status.ok);
    answer(done, status, std::move(result));
  });
}

void SqsEngine::send_message_batch(const Context& context, const Input& input, Completion& done) {
  auto queue = resolve(context, input, "SendMessageBatch", true);
  const auto* entries = input::opt_array(input, "Entries");
  if (entries == nullptr || entries->empty()) {
    throw SqsError("EmptyBatchRequest",
                   "There should be at least one SendMessageBatchRequestEntry in the request.");
  }
  if (entries->size() > kMaxBatchEntries) {
    throw SqsError("TooManyEntriesInBatchRequest",
                   "Maximum number of entries per request are 10. You have sent " +
                       std::to_string(entries->size()) + ".");
  }
  std::set<std::string> ids;
  for (const auto& entry : *entries) {
    if (!entry.is_object()) throw errors::invalid_parameter("Invalid type for parameter Entries.");
    auto id = input::opt_string(entry.get_object(), "Id").value_or("");
    if (!validation::is_valid_batch_id(id)) {
      throw SqsError(
          "InvalidBatchEntryId",
          "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at "
          "most 80 letters long.");
    }
    if (!ids.insert(id).second) throw SqsError("BatchEntryIdsNotDistinct", "Id " + id + " repeated.");
  }

  struct Entry {
    std::string id;
    std::optional<PreparedSend> prepared;
    std::optional<protocol::ServiceError> error;
  };
  std::vector<Entry> parsed;
  std::size_t total = 0;
  const std::string sender = sender_id_of(context);
  for (const auto& raw : *entries) {
    const auto& entry = raw.get_object();
    Entry e;
    e.id = input::opt_string(entry, "Id").value_or("");
    try {
      auto request = parse_send_request(entry);
      total += request.body.size() + attributes_size(request.attributes);
      e.prepared = prepare_send(*queue, std::move(request), sender);
      add_attribute_checksums(*e.prepared);
    } catch (const SqsError& error) {
      if (error.error().code == "QueueDoesNotExist") throw;
      if (auto body = input::opt_string(entry, "MessageBody")) total += body->size();
      e.error = error.error();
    }
    parsed.push_back(std::move(e));
  }
  if (total > kMaxBatchBytes) {
    throw SqsError("BatchRequestTooLong", "Batch requests cannot be longer than " +
                                              std::to_string(kMaxBatchBytes) + " bytes. You have sent " +
                                              std::to_string(total) + " bytes.");
  }

  auto staged = std::make_shared<StagedSends>();
  store::Batch batch;
  boost::json::array successful, failed;
  std::unique_lock lock(queue->mutex);
  if (queue->deleted) throw errors::queue_does_not_exist();
  for (auto& e : parsed) {
    if (e.error) {
      failed.push_back(batch_failure(e.id, *e.error));
      continue;
    }
    auto entry = send_result_json(stage_locked(queue, *e.prepared, batch, *staged));
    boost::json::object ok{{"Id", e.id}};
    for (auto& kv : entry) ok[kv.key()] = kv.value();
    successful.push_back(std::move(ok));
  }
  boost::json::object result{{"Successful", std::move(successful)}, {"Failed", std::move(failed)}};
  if (staged->empty()) {
    lock.unlock();
    done(std::move(result));
    return;
  }
  commit(std::move(batch), [this, staged, done = std::move(done),
                            result = std::move(result)](const store::Status& status) mutable {
    apply_staged(*staged, status.ok);
    answer(done, status, std::move(result));
  });
}

// ---- typed API ----

SendOutcome SqsEngine::stage_send(const SendCaller& caller, std::string_view reference, SendRequest request,
                                  store::Batch& batch, StagedSends& staged) {
  try {
    std::optional<QueueAddress> address;
    if (reference.starts_with("arn:") || reference.find("://") != std::string_view::npos) {
      address = parse_queue_reference(reference);
    } else if (auto slash = reference.find('/'); slash != std::string_view::npos) {
      address =
          QueueAddress{std::string(reference.substr(0, slash)), std::string(reference.substr(slash + 1))};
    }
    if (!address) throw errors::queue_does_not_exist();
    PolicyPrincipal principal{caller.service.empty() ? caller.account : std::string(), caller.service,
                              caller.source_arn, caller.source_account};
    auto queue =
        resolve_address(caller.account, address->account, address->name, "SendMessage", principal, true);
    // Attributes built by another engine are held to SendMessage's rules too.
    for (const auto& attribute : request.attributes) {
      if (!validation::is_valid_attribute_name(attribute.name)) {
        throw errors::invalid_parameter("Message (user) attribute name '" + attribute.name + "' is invalid.");
      }
    }
    if (request.attributes.size() > 10) {
      throw errors::invalid_parameter("Number of message attributes [" +
                                      std::to_string(request.attributes.size()) +
                                      "] exceeds the allowed maximum [10].");
    }
    std::sort(request.attributes.begin(), request.attributes.end(),
              [](const MessageAttribute& a, const MessageAttribute& b) { return a.name < b.name; });
    auto prepared = prepare_send(*queue, std::move(request),
                                 caller.sender_id.empty() ? caller.account : caller.sender_id);
    std::lock_guard lock(queue->mutex);
    if (queue->deleted) throw errors::queue_does_not_exist();
    return stage_locked(queue, prepared, batch, staged);
  } catch (const SqsError& error) {
    return error.error();
  }
}

void SqsEngine::finish_staged(StagedSends staged, const store::Status& status) {
  apply_staged(staged, status.ok);
}

void SqsEngine::enqueue(const SendCaller& caller, std::string_view queue, SendRequest request,
                        std::function<void(SendOutcome)> done) {
  store::Batch batch;
  auto staged = std::make_shared<StagedSends>();
  auto outcome = stage_send(caller, queue, std::move(request), batch, *staged);
  if (std::holds_alternative<protocol::ServiceError>(outcome) || staged->empty()) {
    done(std::move(outcome));
    return;
  }
  commit(std::move(batch), [this, staged, done = std::move(done),
                            outcome = std::move(outcome)](const store::Status& status) mutable {
    apply_staged(*staged, status.ok);
    if (status.ok) {
      done(std::move(outcome));
    } else {
      done(errors::internal(status.message).error());
    }
  });
}

}  // namespace fanout::services::sqs
