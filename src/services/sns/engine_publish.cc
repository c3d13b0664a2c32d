// Publishing: Publish and PublishBatch. A message's deliveries to SQS subscriptions, and to
// Firehose streams that take them at once, are staged into the publish's own write batch
// (durable fan-out); HTTP/S deliveries and the Firehose records that must wait or be retried go
// into the outbox in that batch. The caller gets its answer once the batch is durable.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json.hpp>

#include "common/crypto.h"
#include "common/fast_uuid.h"
#include "common/iso8601.h"
#include "services/sns/arn.h"
#include "services/sns/delivery_policy.h"
#include "services/sns/engine_internal.h"
#include "services/sns/input.h"
#include "services/sns/message_envelope.h"
#include "services/sns/sns_error.h"

namespace fanout::services::sns {

namespace json = boost::json;

// One message on its way to the topic's subscriptions: the envelope fields, and what its
// subscriptions share (signatures, the prepared filter inputs), each computed at most once.
struct SnsEngine::Delivery {
  const PreparedMessage& message;
  NotificationFields fields;  // `message` is filled per protocol
  mutable std::map<std::pair<const std::string*, std::string>, std::string> signatures;  // (text, version)
  mutable std::optional<FilterMessage> attribute_filter;
  mutable std::map<const std::string*, FilterMessage> body_filters;
  mutable std::map<const std::string*, std::string> raw_md5s;  // of raw SQS bodies, by text

  NotificationFields fields_for(const std::string& text) const {
    auto f = fields;
    f.message = text;
    return f;
  }
};

namespace {

std::string batch_error_code(const protocol::ServiceError& error) {
  if (error.code == "InvalidParameterValueException") return "ParameterValueInvalid";
  std::string code = error.code;
  if (code.ends_with("Exception")) code.resize(code.size() - 9);
  return code;
}

bool valid_batch_id(std::string_view id) {
  return !id.empty() && id.size() <= 80 && std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
  });
}

sqs::MessageAttributes to_sqs_attributes(const MessageAttributes& attributes) {
  sqs::MessageAttributes out;
  out.reserve(attributes.size());
  for (const auto& a : attributes) out.push_back(sqs::MessageAttribute{a.name, a.data_type, a.value});
  return out;
}

FilterAttributes to_filter_attributes(const MessageAttributes& attributes) {
  FilterAttributes out;
  for (const auto& a : attributes) out[a.name] = FilterAttribute{a.data_type, a.value};
  return out;
}

}  // namespace

json::object SnsEngine::stage_publish(PublishJob& job, const PreparedMessage& message) {
  const Topic& topic = *job.topic;
  std::string message_id = crypto::fast_uuid_v4();
  std::string sequence_number;
  if (topic.fifo) {
    // The caller holds job.fifo->mutex.
    auto& fifo = *job.fifo;
    auto key = topic.deduplicate_per_group() ? message.group_id + "\n" + message.deduplication_id
                                             : message.deduplication_id;
    if (auto it = fifo.dedup.find(key); it != fifo.dedup.end() && it->second.expires_ms > job.now) {
      // A duplicate within five minutes: accepted, not delivered again.
      return json::object{{"MessageId", it->second.message_id},
                          {"SequenceNumber", it->second.sequence_number}};
    }
    sequence_number = format_sequence_number(++fifo.last_seq);
    FifoState::Dedup dedup{message_id, sequence_number, job.now + kDeduplicationWindowMs};
    job.batch.put(kStateCf, dedup_store_key(topic.arn, key),
                  json::serialize(json::object{{"message_id", dedup.message_id},
                                               {"sequence_number", dedup.sequence_number},
                                               {"expires_ms", dedup.expires_ms}}));
    job.batch.put(kStateCf, seq_store_key(topic.arn), std::to_string(fifo.last_seq));
    fifo.dedup[key] = std::move(dedup);
    job.dedup_added.push_back(std::move(key));
  }

  Delivery delivery{message, {}, {}, {}, {}, {}};
  delivery.fields.message_id = message_id;
  delivery.fields.topic_arn = topic.arn;
  delivery.fields.subject = message.subject;
  delivery.fields.timestamp = iso8601_ms(job.now);
  delivery.fields.sequence_number = sequence_number;

  for (const auto& subscription : *job.subscriptions) {
    const auto& s = *subscription;
    if (!s.confirmed || !is_delivered_protocol(s.protocol)) continue;
    const std::string& text = message.message_for(s.protocol);
    if (s.filter) {
      bool match;
      if (s.filter->scope() == FilterPolicy::Scope::MessageBody) {
        auto it = delivery.body_filters.find(&text);
        if (it == delivery.body_filters.end())
          it = delivery.body_filters.emplace(&text, FilterMessage::from_body(text)).first;
        match = s.filter->matches(it->second);
      } else {
        if (!delivery.attribute_filter) {
          delivery.attribute_filter =
              FilterMessage::from_attributes(to_filter_attributes(message.attributes));
        }
        match = s.filter->matches(*delivery.attribute_filter);
      }
      if (!match) continue;
    }
    if (s.protocol == "sqs") {
      stage_sqs_delivery(job, s, delivery);
      continue;
    }
    std::string firehose_record;
    if (s.protocol == "firehose") {
      firehose_record = s.raw ? text
                              : notification_json_compact(delivery.fields_for(text), unsubscribe_url(s),
                                                          message.attributes);
      firehose_record += '\n';
      if (stage_firehose_delivery(job, s, firehose_record)) continue;
    }
    OutboxEntry entry;
    entry.id = next_outbox_id();
    entry.subscription_arn = s.arn;
    entry.topic_arn = topic.arn;
    entry.account = topic.account;
    entry.endpoint = s.endpoint;
    entry.message_id = message_id;
    entry.raw = s.raw;
    entry.dead_letter_arn = s.dead_letter_arn;
    entry.group_id = message.group_id;
    entry.deduplication_id = message.deduplication_id;
    entry.created_ms = job.now;
    entry.due_ms = job.now;
    if (s.raw) entry.attributes = message.attributes;
    if (s.protocol == "firehose") {
      entry.kind = OutboxEntry::Kind::firehose;
      entry.role_arn = s.attribute("SubscriptionRoleArn");
      entry.retry = RetryPolicy::aws_managed();
      entry.body = std::move(firehose_record);
    } else {
      entry.kind = OutboxEntry::Kind::http;
      auto policy = effective_http_policy(s.attribute("DeliveryPolicy"), topic.attribute("DeliveryPolicy"));
      entry.retry = policy.retry;
      entry.content_type = policy.content_type;
      if (s.raw) {
        entry.body = text;
      } else {
        const auto version = topic.signature_version();
        auto& signature = delivery.signatures[{&text, version}];
        auto fields = delivery.fields_for(text);
        if (signature.empty()) signature = signing_key_->sign(notification_string_to_sign(fields), version);
        SignatureFields sig{version, signature, signing_cert_url(s.service_url)};
        entry.body = notification_json(fields, &sig, unsubscribe_url(s), message.attributes);
      }
    }
    job.batch.put(kOutboxCf, entry.id, entry.serialize());
    job.outbox.push_back(std::move(entry));
  }

  json::object result{{"MessageId", message_id}};
  if (!sequence_number.empty()) result["SequenceNumber"] = sequence_number;
  return result;
}

bool SnsEngine::stage_firehose_delivery(PublishJob& job, const Subscription& s, const std::string& record) {
  FirehoseSink* sink = firehose_sink_.load(std::memory_order_acquire);
  if (!sink) return false;
  auto settle = sink->stage_record(job.topic->account, s.endpoint, s.attribute("SubscriptionRoleArn"), record,
                                   job.batch);
  if (!settle) return false;
  s.counters->delivered.fetch_add(1, std::memory_order_relaxed);
  job.firehose_staged.push_back(std::move(settle));
  return true;
}

void SnsEngine::stage_sqs_delivery(PublishJob& job, const Subscription& s, const Delivery& delivery) {
  const Topic& topic = *job.topic;
  const auto& message = delivery.message;
  const std::string& text = message.message_for("sqs");
  sqs::SendRequest request;
  if (s.raw) {
    request.body = text;
    request.attributes = to_sqs_attributes(message.attributes);
    auto& md5 = delivery.raw_md5s[&text];
    if (md5.empty()) md5 = crypto::hex(crypto::md5(text));
    request.md5_of_body = md5;
  } else {
    auto fields = delivery.fields_for(text);
    if (topic.fifo) {
      // FIFO topics deliver unsigned envelopes, as AWS does.
      request.body = notification_json(fields, nullptr, unsubscribe_url(s), message.attributes);
    } else {
      const auto version = topic.signature_version();
      auto& signature = delivery.signatures[{&text, version}];
      if (signature.empty()) signature = signing_key_->sign(notification_string_to_sign(fields), version);
      SignatureFields sig{version, signature, signing_cert_url(s.service_url)};
      request.body = notification_json(fields, &sig, unsubscribe_url(s), message.attributes);
    }
  }
  if (topic.fifo) {
    request.group_id = message.group_id;
    request.deduplication_id = message.deduplication_id;
  }
  sqs::SendCaller caller{topic.account, std::string(kSnsSenderId), std::string(kSnsPrincipal), topic.arn,
                         topic.account};
  std::optional<sqs::SendRequest> for_dead_letter;
  if (!s.dead_letter_arn.empty()) for_dead_letter = request;
  auto outcome = sqs_.stage_send(caller, s.endpoint, std::move(request), job.batch, job.staged);
  auto* error = std::get_if<protocol::ServiceError>(&outcome);
  if (!error) {
    s.counters->delivered.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  s.counters->failed.fetch_add(1, std::memory_order_relaxed);
  // A client-side error (queue gone, policy refuses, message refused): not retried; the
  // subscription's dead-letter queue gets the message if it has one.
  if (!for_dead_letter) {
    spdlog::info("sns: message {} for {} dropped: {} {}", delivery.fields.message_id, s.arn, error->code,
                 error->message);
    return;
  }
  auto dlq = sqs_.stage_send(caller, s.dead_letter_arn, std::move(*for_dead_letter), job.batch, job.staged);
  if (auto* dlq_error = std::get_if<protocol::ServiceError>(&dlq)) {
    spdlog::warn("sns: message {} for {} dropped: {}; dead-letter queue {} refused it: {}",
                 delivery.fields.message_id, s.arn, error->message, s.dead_letter_arn, dlq_error->message);
  }
}

void SnsEngine::finish_publish(const std::shared_ptr<PublishJob>& job, Completion done, json::object result) {
  if (job->batch.empty()) {
    for (auto& settle : job->firehose_staged) settle(true);  // nothing to wait for
    done(std::move(result));
    return;
  }
  auto batch = std::move(job->batch);
  commit(std::move(batch), [this, job, done = std::move(done),
                            result = std::move(result)](const store::Status& status) mutable {
    sqs_.finish_staged(std::move(job->staged), status);
    for (auto& settle : job->firehose_staged) settle(status.ok);
    if (status.ok) {
      enqueue_outbox(job->outbox);
    } else if (job->fifo) {
      std::lock_guard lock(job->fifo->mutex);
      for (const auto& key : job->dedup_added) job->fifo->dedup.erase(key);
    }
    answer(done, status, std::move(result));
  });
}

void SnsEngine::publish(const Context& context, const Input& in, Completion& done) {
  const auto topic_arn = input::opt_string(in, "TopicArn");
  const auto target_arn = input::opt_string(in, "TargetArn");
  const auto phone = input::opt_string(in, "PhoneNumber");
  if (phone) {
    if (topic_arn || target_arn) {
      throw errors::invalid_parameter(
          "PhoneNumber Reason: Only one of PhoneNumber, TopicArn or TargetArn may be set");
    }
    throw errors::invalid_parameter("PhoneNumber Reason: fanoutd does not deliver SMS messages");
  }
  if (topic_arn && target_arn) {
    throw errors::invalid_parameter(
        "TopicArn or TargetArn Reason: Both TopicArn and TargetArn specified. Use only one or the other");
  }
  if (!topic_arn && !target_arn) {
    throw errors::invalid_parameter("TopicArn or TargetArn Reason: no value for required parameter");
  }
  const std::string arn = topic_arn ? *topic_arn : *target_arn;
  if (target_arn && !parse_topic_arn(arn)) {
    if (arn.starts_with("arn:aws:sns:") && arn.find(":endpoint/") != std::string::npos) {
      throw errors::not_found("Endpoint does not exist");
    }
    throw errors::invalid_parameter("TargetArn");
  }
  auto job = std::make_shared<PublishJob>();
  {
    std::shared_lock lock(mutex_);
    auto entry = find_topic_locked(context, arn, "Publish", topic_arn ? "TopicArn" : "TargetArn");
    job->topic = entry.topic;
    job->subscriptions = entry.subscriptions;
    job->fifo = entry.fifo;
  }
  auto message = prepare_message(PublishParameters::from_input(in), *job->topic);
  job->now = now();
  if (job->fifo) {
    // Sequence, stage and hand to the store in one go, so the store sees this topic's
    // publishes (and each FIFO queue its messages) in sequence order.
    std::lock_guard lock(job->fifo->mutex);
    auto result = stage_publish(*job, message);
    finish_publish(job, std::move(done), std::move(result));
  } else {
    auto result = stage_publish(*job, message);
    finish_publish(job, std::move(done), std::move(result));
  }
}

void SnsEngine::publish_batch(const Context& context, const Input& in, Completion& done) {
  const auto arn = input::require_string(in, "TopicArn");
  const auto* entries_value = in.if_contains("PublishBatchRequestEntries");
  const json::array empty;
  const json::array& entries = entries_value && entries_value->is_array() ? entries_value->as_array() : empty;
  if (entries.empty()) throw errors::empty_batch();
  if (entries.size() > 10) throw errors::too_many_entries();
  std::vector<std::string> ids;
  for (const auto& e : entries) {
    const auto* o = e.if_object();
    const boost::json::value* id = o ? o->if_contains("Id") : nullptr;
    if (!id || !id->is_string() || !valid_batch_id(id->as_string())) throw errors::invalid_batch_entry_id();
    std::string text(id->as_string());
    if (std::find(ids.begin(), ids.end(), text) != ids.end()) throw errors::batch_ids_not_distinct();
    ids.push_back(std::move(text));
  }
  auto job = std::make_shared<PublishJob>();
  {
    std::shared_lock lock(mutex_);
    auto entry = find_topic_locked(context, arn, "Publish");
    job->topic = entry.topic;
    job->subscriptions = entry.subscriptions;
    job->fifo = entry.fifo;
  }
  // Validate every entry first; the batch as a whole is bounded by the topic's size limit.
  std::vector<std::optional<PreparedMessage>> prepared(entries.size());
  json::array failed;
  std::size_t total = 0;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const auto& entry = entries[i].as_object();
    try {
      prepared[i] = prepare_message(PublishParameters::from_input(entry), *job->topic);
      total += prepared[i]->size;
    } catch (const SnsError& error) {
      if (const auto* m = entry.if_contains("Message"); m && m->is_string()) total += m->as_string().size();
      failed.push_back(json::object{{"Id", ids[i]},
                                    {"Code", batch_error_code(error.error())},
                                    {"Message", error.error().message},
                                    {"SenderFault", error.error().sender_fault}});
    }
  }
  if (total > job->topic->maximum_message_size()) throw errors::batch_too_long();

  job->now = now();
  json::array successful;
  auto stage_all = [&] {
    for (std::size_t i = 0; i < entries.size(); ++i) {
      if (!prepared[i]) continue;
      auto result = stage_publish(*job, *prepared[i]);
      json::object ok{{"Id", ids[i]}};
      for (auto& kv : result) ok[kv.key()] = kv.value();
      successful.push_back(std::move(ok));
    }
  };
  auto respond = [&] {
    json::object result{{"Successful", std::move(successful)}, {"Failed", std::move(failed)}};
    finish_publish(job, std::move(done), std::move(result));
  };
  if (job->fifo) {
    std::lock_guard lock(job->fifo->mutex);
    stage_all();
    respond();
  } else {
    stage_all();
    respond();
  }
}

}  // namespace fanout::services::sns
