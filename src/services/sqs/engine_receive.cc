// Receiving: ReceiveMessage, dead-letter moves on receive, FIFO receive-attempt replays, and
// long polls (parked waiters woken by sends, visibility changes and a per-queue wake timer set
// for the earliest delayed or in-flight message while anyone waits).
#include <algorithm>
#include <boost/json.hpp>
#include <mutex>

#include "services/sqs/engine_internal.h"
#include "services/sqs/json_input.h"
#include "services/sqs/queue_address.h"
#include "services/sqs/sqs_engine.h"
#include "services/sqs/sqs_error.h"
#include "services/sqs/validation.h"

namespace fanout::services::sqs {

namespace {

constexpr std::string_view kSystemAttributeNames[] = {"All",
                                                      "SenderId",
                                                      "SentTimestamp",
                                                      "ApproximateReceiveCount",
                                                      "ApproximateFirstReceiveTimestamp",
                                                      "SequenceNumber",
                                                      "MessageDeduplicationId",
                                                      "MessageGroupId",
                                                      "AWSTraceHeader",
                                                      "DeadLetterQueueSourceArn",
                                                      "SqsManagedSseEnabled"};

bool contains(const std::vector<std::string>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

std::string range_reason(std::int64_t min, std::int64_t max) {
  return "Must be between " + std::to_string(min) + " and " + std::to_string(max) + ", if provided.";
}

}  // namespace

ReceiveOptions SqsEngine::parse_receive_options(const Input& input, Queue& queue) {
  std::int64_t default_visibility, default_wait;
  {
    std::lock_guard lock(queue.mutex);
    if (queue.deleted) throw errors::queue_does_not_exist();
    default_visibility = queue.settings.visibility_timeout;
    default_wait = queue.settings.receive_message_wait_time_seconds;
  }
  ReceiveOptions options;
  const auto max = input::opt_int(input, "MaxNumberOfMessages").value_or(1);
  if (max < 1 || max > 10) {
    throw errors::invalid_parameter_value("MaxNumberOfMessages", std::to_string(max), range_reason(1, 10));
  }
  options.max_messages = static_cast<std::size_t>(max);
  options.visibility_timeout_s = input::opt_int(input, "VisibilityTimeout").value_or(default_visibility);
  if (options.visibility_timeout_s < 0 || options.visibility_timeout_s > 43200) {
    throw errors::invalid_parameter_value("VisibilityTimeout", std::to_string(options.visibility_timeout_s),
                                          range_reason(0, 43200));
  }
  const auto wait = input::opt_int(input, "WaitTimeSeconds").value_or(default_wait);
  if (wait < 0 || wait > 20) {
    throw errors::invalid_parameter_value("WaitTimeSeconds", std::to_string(wait),
                                          "Must be >= 0 and <= 20, if provided.");
  }
  options.wait_ms = wait * 1000;
  options.system_attribute_names = input::string_list(input, "AttributeNames");
  for (auto& name : input::string_list(input, "MessageSystemAttributeNames")) {
    options.system_attribute_names.push_back(std::move(name));
  }
  for (const auto& name : options.system_attribute_names) {
    if (std::find(std::begin(kSystemAttributeNames), std::end(kSystemAttributeNames), name) ==
        std::end(kSystemAttributeNames)) {
      throw errors::invalid_attribute_name(name);
    }
  }
  options.message_attribute_names = input::string_list(input, "MessageAttributeNames");
  options.attempt_id = input::opt_string(input, "ReceiveRequestAttemptId").value_or("");
  if (!options.attempt_id.empty() && !validation::is_valid_token(options.attempt_id)) {
    throw errors::invalid_parameter_value(
        "ReceiveRequestAttemptId", options.attempt_id,
        "ReceiveRequestAttemptId can only include alphanumeric and punctuation "
        "characters. 1 to 128 in length.");
  }
  return options;
}

void SqsEngine::receive_message(const Context& context, const Input& input, Completion& done) {
  auto queue = resolve(context, input, "ReceiveMessage", true);
  const auto options = parse_receive_options(input, *queue);
  std::unique_lock lock(queue->mutex);
  if (queue->deleted) throw errors::queue_does_not_exist();
  if (!queue->fifo && queue->index.inflight_count() >= static_cast<std::size_t>(kMaxInflightStandard)) {
    throw SqsError("OverLimit", "The maximum number of in flight messages (" +
                                    std::to_string(kMaxInflightStandard) + ") has been reached for queue " +
                                    queue->name + ".");
  }
  const auto t = now();
  bool delivered = false;
  auto job = start_receive_locked(queue, options, t, delivered);
  std::uint64_t parked_id = 0;
  if (!delivered && options.wait_ms > 0 && !stopped_) {
    // Nothing yet: a long poll. A job without messages (state changes only) still runs below.
    auto waiter = std::make_shared<Waiter>();
    waiter->id = next_waiter_id_++;
    waiter->options = options;
    waiter->done = std::move(done);
    waiter->deadline_timer = schedule(options.wait_ms, [this, weak = std::weak_ptr<Queue>(queue),
                                                        id = waiter->id] { expire_waiter(weak, id); });
    parked_id = waiter->id;
    queue->waiters.push_back(std::move(waiter));
    arm_wake_timer_locked(queue, t);
  } else if (job) {
    // Messages to deliver (delivered implies a job: picking them writes their metadata), or
    // nothing to deliver but messages moved to the dead-letter queue (or expired): answer once
    // that is durable and visible there.
    job->done = std::move(done);
  } else {
    lock.unlock();
    done(boost::json::object{});
    return;
  }
  lock.unlock();
  if (parked_id != 0 && context.on_client_gone) {
    context.on_client_gone(
        [this, weak = std::weak_ptr<Queue>(queue), parked_id] { abandon_waiter(weak, parked_id); });
  }
  if (job) read_and_finish(job);
}

std::shared_ptr<SqsEngine::ReceiveJob> SqsEngine::start_receive_locked(const std::shared_ptr<Queue>& queue,
                                                                       const ReceiveOptions& options,
                                                                       std::int64_t now_ms, bool& delivered) {
  auto& index = queue->index;
  index.promote(now_ms);
  auto job = std::make_shared<ReceiveJob>();
  job->queue = queue;
  job->options = options;
  store::Batch batch;
  // A receive is answered once its batch is written, before the fsync: kill -9 keeps it (the OS
  // has it), and a power loss before the fsync only makes its messages visible again with their
  // previous receive count, which at-least-once delivery allows. It saves a receive waiting for
  // an fsync (the one publish → receivable and receive latency wait for).
  batch.acknowledge_when_written();
  const std::int64_t cutoff = now_ms - queue->settings.message_retention_period * 1000;
  const std::int64_t visible_until = now_ms + options.visibility_timeout_s * 1000;
  std::vector<std::uint64_t> expired;
  index.expire(cutoff, expired);

  auto put_meta = [&](std::uint64_t seq) {
    const auto* message = index.find(seq);
    job->picked.push_back({seq, message->receive_count, message->first_receive_ms});
    batch.put(kMetaCf, message_key(queue->id, seq), encode_meta(index.meta_of(seq, *message)));
  };

  bool replayed = false;
  if (queue->fifo && !options.attempt_id.empty()) {
    auto it = queue->attempts.find(options.attempt_id);
    if (it != queue->attempts.end()) {
      bool intact = it->second.expires_ms > now_ms;
      for (const auto& [seq, count] : it->second.messages) {
        const auto* message = index.find(seq);
        intact = intact && message != nullptr && message->state() == MessageState::inflight &&
                 message->receive_count == count;
      }
      if (intact) {
        // The same messages with the same receipt handles; their visibility timeout restarts.
        for (const auto& [seq, count] : it->second.messages) {
          index.change_visibility(seq, visible_until, now_ms);
          put_meta(seq);
        }
        replayed = true;
      } else {
        queue->attempts.erase(it);
      }
    }
  }

  if (!replayed) {
    std::shared_ptr<Queue> dlq;
    std::int64_t max_receive_count = 0;
    if (queue->settings.redrive_policy) {
      if (auto target = parse_queue_arn(queue->settings.redrive_policy->dead_letter_target_arn)) {
        dlq = registry_.find(target->account, target->name);
        if (dlq == queue) dlq = nullptr;
        max_receive_count = queue->settings.redrive_policy->max_receive_count;
      }
    }
    std::vector<std::uint64_t> chosen;
    std::vector<std::pair<std::uint64_t, IndexedMessage>> dead;
    index.receive(options.max_messages, now_ms, visible_until,
                  [&](std::uint64_t seq, const IndexedMessage& message) {
                    if (message.retention_basis_ms() <= cutoff) {
                      expired.push_back(seq);
                      return MessageIndex::Pick::drop;
                    }
                    if (dlq && message.receive_count >= max_receive_count) {
                      dead.emplace_back(seq, message);
                      return MessageIndex::Pick::drop;
                    }
                    chosen.push_back(seq);
                    return MessageIndex::Pick::deliver;
                  });
    for (auto seq : chosen) put_meta(seq);

    // Past maxReceiveCount: into the dead-letter queue, in this same batch (an atomic move).
    for (const auto& [seq, message] : dead) {
      const std::string key = message_key(queue->id, seq);
      std::optional<std::string> stored;
      try {
        stored = store_.get(kMessagesCf, key);
      } catch (const std::exception&) {
        continue;  // unreadable now: left in the store, back after a restart
      }
      batch.erase(kMessagesCf, key);
      batch.erase(kMetaCf, key);
      auto record = stored ? decode_message(*stored) : std::nullopt;
      if (!record) continue;
      record->dead_letter_source_arn = queue->arn;
      const std::uint64_t dlq_seq = allocate_seq(*dlq, batch);
      MessageMeta meta;
      // FIFO dead-letter queues restart the retention clock; standard ones keep the original.
      meta.retention_basis_ms = dlq->fifo ? now_ms : message.retention_basis_ms();
      meta.visible_at_ms = now_ms;
      meta.first_receive_ms = message.first_receive_ms;
      meta.receive_count = message.receive_count;
      meta.group_id = dlq->fifo ? record->group_id : std::string();
      const std::string dlq_key = message_key(dlq->id, dlq_seq);
      batch.put(kMessagesCf, dlq_key, encode_message(*record));
      batch.put(kMetaCf, dlq_key, encode_meta(meta));
      job->dead_letters.items_.push_back(
          StagedSends::Item{dlq, dlq_seq, std::move(meta), {}, record->message_id});
    }
    if (queue->fifo && !options.attempt_id.empty() && !job->picked.empty()) {
      ReceiveAttempt attempt;
      attempt.expires_ms = now_ms + kReceiveAttemptWindowMs;
      for (const auto& picked : job->picked) attempt.messages.emplace_back(picked.seq, picked.receive_count);
      queue->attempts[options.attempt_id] = std::move(attempt);
    }
  }
  for (auto seq : expired) {
    batch.erase(kMessagesCf, message_key(queue->id, seq));
    batch.erase(kMetaCf, message_key(queue->id, seq));
  }
  delivered = !job->picked.empty();
  if (batch.empty()) return nullptr;
  commit(std::move(batch), [this, job](const store::Status& status) {
    job->status = status;
    apply_staged(job->dead_letters, status.ok);
    if (--job->pending == 0) finish_receive(job);
  });
  return job;
}

void SqsEngine::read_and_finish(const std::shared_ptr<ReceiveJob>& job) {
  job->records.reserve(job->picked.size());
  try {
    std::vector<std::string> keys;
    keys.reserve(job->picked.size());
    for (const auto& picked : job->picked) keys.push_back(message_key(job->queue->id, picked.seq));
    for (auto& stored : store_.get_many(kMessagesCf, keys)) {
      job->records.push_back(stored ? decode_message(*stored) : std::nullopt);
    }
  } catch (const std::exception& error) {
    // A failing store: answer with an error; the messages stay (in flight until their timeout).
    job->read_error = error.what();
  }
  if (--job->pending == 0) finish_receive(job);
}

void SqsEngine::finish_receive(const std::shared_ptr<ReceiveJob>& job) {
  if (!job->done) return;  // state changes only (expiry, dead-letter moves)
  if (!job->status.ok || !job->read_error.empty()) {
    job->done(errors::internal(job->status.ok ? job->read_error : job->status.message).error());
    return;
  }
  const auto& names = job->options.system_attribute_names;
  const bool all = contains(names, "All");
  auto want = [&](std::string_view name) { return all || contains(names, name); };
  boost::json::array messages;
  std::vector<std::uint64_t> missing;
  for (std::size_t i = 0; i < job->picked.size(); ++i) {
    const auto& picked = job->picked[i];
    if (!job->records[i]) {
      missing.push_back(picked.seq);
      continue;
    }
    const MessageRecord& record = *job->records[i];
    boost::json::object message;
    message["MessageId"] = record.message_id;
    message["ReceiptHandle"] = handles_->encode({job->queue->id, picked.seq, picked.receive_count});
    message["MD5OfBody"] = record.md5_of_body;
    message["Body"] = record.body;
    boost::json::object attributes;
    if (want("SenderId")) attributes["SenderId"] = record.sender_id;
    if (want("ApproximateFirstReceiveTimestamp")) {
      attributes["ApproximateFirstReceiveTimestamp"] = std::to_string(picked.first_receive_ms);
    }
    if (want("ApproximateReceiveCount"))
      attributes["ApproximateReceiveCount"] = std::to_string(picked.receive_count);
    if (want("SentTimestamp")) attributes["SentTimestamp"] = std::to_string(record.sent_ms);
    if (want("SequenceNumber") && !record.sequence_number.empty()) {
      attributes["SequenceNumber"] = record.sequence_number;
    }
    if (want("MessageDeduplicationId") && !record.deduplication_id.empty()) {
      attributes["MessageDeduplicationId"] = record.deduplication_id;
    }
    if (want("MessageGroupId") && !record.group_id.empty()) attributes["MessageGroupId"] = record.group_id;
    if (want("AWSTraceHeader") && record.trace_header) attributes["AWSTraceHeader"] = *record.trace_header;
    if (want("DeadLetterQueueSourceArn") && !record.dead_letter_source_arn.empty()) {
      attributes["DeadLetterQueueSourceArn"] = record.dead_letter_source_arn;
    }
    if (!attributes.empty()) message["Attributes"] = std::move(attributes);
    auto selected = select_attributes(record.attributes, job->options.message_attribute_names);
    if (!selected.empty()) {
      message["MD5OfMessageAttributes"] = md5_of_attributes(selected);
      message["MessageAttributes"] = attributes_to_json(selected);
    }
    messages.push_back(std::move(message));
  }
  if (!missing.empty()) {
    // The body is gone (a purge or delete raced with this receive): forget the message.
    auto& queue = job->queue;
    std::lock_guard lock(queue->mutex);
    store::Batch batch;
    for (auto seq : missing) {
      queue->index.erase(seq);
      batch.erase(kMetaCf, message_key(queue->id, seq));
    }
    commit(std::move(batch), [](const store::Status&) {});
  }
  job->queue->received_total.fetch_add(messages.size(), std::memory_order_relaxed);
  boost::json::object result;
  if (!messages.empty()) result["Messages"] = std::move(messages);
  job->done(std::move(result));
}

std::vector<std::shared_ptr<SqsEngine::ReceiveJob>> SqsEngine::service_waiters_locked(
    const std::shared_ptr<Queue>& queue, std::int64_t now_ms) {
  std::vector<std::shared_ptr<ReceiveJob>> jobs;
  queue->index.promote(now_ms);
  while (!queue->waiters.empty() && queue->index.has_receivable()) {
    auto waiter = queue->waiters.front();
    bool delivered = false;
    auto job = start_receive_locked(queue, waiter->options, now_ms, delivered);
    if (job) jobs.push_back(job);
    if (!delivered) break;
    queue->waiters.pop_front();
    if (waiter->deadline_timer != 0) timers_.cancel(waiter->deadline_timer);
    job->done = std::move(waiter->done);
  }
  arm_wake_timer_locked(queue, now_ms);
  return jobs;
}

void SqsEngine::arm_wake_timer_locked(const std::shared_ptr<Queue>& queue, std::int64_t now_ms) {
  auto due = queue->index.next_due();
  if (queue->waiters.empty() || stopped_ || !due) {
    if (queue->wake_timer != 0) timers_.cancel(queue->wake_timer);
    queue->wake_timer = 0;
    return;
  }
  if (queue->wake_timer != 0 && queue->wake_at_ms == *due) return;
  if (queue->wake_timer != 0) timers_.cancel(queue->wake_timer);
  queue->wake_at_ms = *due;
  queue->wake_timer =
      schedule(std::max<std::int64_t>(0, *due - now_ms), [this, weak = std::weak_ptr<Queue>(queue)] {
        if (auto q = weak.lock()) wake(q);
      });
}

void SqsEngine::wake(const std::shared_ptr<Queue>& queue) {
  std::vector<std::shared_ptr<ReceiveJob>> jobs;
  {
    std::lock_guard lock(queue->mutex);
    queue->wake_timer = 0;
    if (queue->deleted) return;
    jobs = service_waiters_locked(queue, now());
  }
  for (auto& job : jobs) read_and_finish(job);
}

std::shared_ptr<Waiter> SqsEngine::take_waiter_locked(Queue& queue, std::uint64_t waiter_id) {
  auto it = std::find_if(queue.waiters.begin(), queue.waiters.end(),
                         [&](const auto& w) { return w->id == waiter_id; });
  if (it == queue.waiters.end()) return nullptr;
  auto waiter = std::move(*it);
  queue.waiters.erase(it);
  return waiter;
}

void SqsEngine::expire_waiter(const std::weak_ptr<Queue>& weak, std::uint64_t waiter_id) {
  auto queue = weak.lock();
  if (!queue) return;
  std::shared_ptr<Waiter> waiter;
  std::shared_ptr<ReceiveJob> job;
  {
    std::lock_guard lock(queue->mutex);
    waiter = take_waiter_locked(*queue, waiter_id);
    if (!waiter) return;
    // A last look: a delay or visibility timeout may have ended just now.
    bool delivered = false;
    if (!queue->deleted) job = start_receive_locked(queue, waiter->options, now(), delivered);
    if (delivered) {
      job->done = std::move(waiter->done);
      waiter.reset();
    }
    arm_wake_timer_locked(queue, now());
  }
  if (job) read_and_finish(job);
  if (waiter) waiter->done(boost::json::object{});
}

void SqsEngine::abandon_waiter(const std::weak_ptr<Queue>& weak, std::uint64_t waiter_id) {
  auto queue = weak.lock();
  if (!queue) return;
  std::shared_ptr<Waiter> waiter;
  {
    std::lock_guard lock(queue->mutex);
    waiter = take_waiter_locked(*queue, waiter_id);
    if (!waiter) return;  // answered already
    if (waiter->deadline_timer != 0) timers_.cancel(waiter->deadline_timer);
  }
  // Nobody will read this answer; it releases the request's long-poll slot.
  waiter->done(boost::json::object{});
}

void SqsEngine::complete_empty(const std::vector<std::shared_ptr<Waiter>>& waiters) {
  for (auto& waiter : waiters) {
    if (waiter && waiter->done) waiter->done(boost::json::object{});
  }
}

}  // namespace fanout::services::sqs
