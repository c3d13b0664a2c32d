// Acting on received messages by receipt handle: DeleteMessage(Batch) and
// ChangeMessageVisibility(Batch).
//
// Stale handles (from an earlier receive of a message received again since): on standard queues
// they still act on the message, as AWS's do; on FIFO queues they have expired
// (InvalidParameterValue). A handle of a message already deleted deletes nothing and succeeds.
#include <boost/json.hpp>
#include <mutex>
#include <set>

#include "services/sqs/engine_internal.h"
#include "services/sqs/json_input.h"
#include "services/sqs/sqs_engine.h"
#include "services/sqs/sqs_error.h"
#include "services/sqs/validation.h"

namespace fanout::services::sqs {

namespace {

SqsError expired_handle(std::string_view handle) {
  return errors::invalid_parameter_value("ReceiptHandle", handle, "The receipt handle has expired.");
}

// Checks a batch request's shape (count, ids); returns the entries.
const boost::json::array& batch_entries(const boost::json::object& input, std::string_view entry_type) {
  const auto* entries = input::opt_array(input, "Entries");
  if (entries == nullptr || entries->empty()) {
    throw SqsError("EmptyBatchRequest",
                   "There should be at least one " + std::string(entry_type) + " in the request.");
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
  return *entries;
}

std::int64_t checked_timeout(std::int64_t timeout) {
  if (timeout < 0 || timeout > 43200) {
    throw errors::invalid_parameter_value("VisibilityTimeout", std::to_string(timeout),
                                          timeout < 0
                                              ? "VisibilityTimeout must be >= 0."
                                              : "Total VisibilityTimeout for the message is beyond the limit "
                                                "[43200 seconds]");
  }
  return timeout;
}

}  // namespace

ReceiptHandle SqsEngine::decode_handle(const Queue& queue, std::string_view text) const {
  auto handle = handles_->decode(text);
  if (!handle || handle->queue_id != queue.id) throw errors::receipt_handle_is_invalid(text);
  return *handle;
}

void SqsEngine::delete_locked(Queue& queue, std::string_view text, store::Batch& batch, bool& changed) {
  const auto handle = decode_handle(queue, text);
  const auto* message = queue.index.find(handle.seq);
  if (message == nullptr) return;  // already deleted (or expired, purged): nothing to do
  if (queue.fifo &&
      (message->receive_count != handle.receive_count || message->state() != MessageState::inflight)) {
    throw expired_handle(text);
  }
  queue.index.erase(handle.seq);
  queue.deleted_total.fetch_add(1, std::memory_order_relaxed);
  const std::string key = message_key(queue.id, handle.seq);
  batch.erase(kMessagesCf, key);
  batch.erase(kMetaCf, key);
  changed = true;
}

void SqsEngine::change_visibility_locked(Queue& queue, std::string_view text, std::int64_t timeout_s,
                                         store::Batch& batch, bool& made_visible) {
  const auto handle = decode_handle(queue, text);
  const auto t = now();
  queue.index.promote(t);
  const auto* message = queue.index.find(handle.seq);
  if (message == nullptr || message->state() != MessageState::inflight) throw errors::message_not_inflight();
  if (queue.fifo && message->receive_count != handle.receive_count) throw expired_handle(text);
  // In flight for at most 12 hours from the receive.
  if (t + timeout_s * 1000 > message->last_receive_ms() + std::int64_t{43200} * 1000) {
    throw errors::invalid_parameter_value(
        "VisibilityTimeout", std::to_string(timeout_s),
        "Total VisibilityTimeout for the message is beyond the limit [43200 "
        "seconds]");
  }
  queue.index.change_visibility(handle.seq, t + timeout_s * 1000, t);
  message = queue.index.find(handle.seq);
  batch.put(kMetaCf, message_key(queue.id, handle.seq),
            encode_meta(queue.index.meta_of(handle.seq, *message)));
  if (timeout_s == 0) made_visible = true;
}

void SqsEngine::delete_message(const Context& context, const Input& input, Completion& done) {
  auto queue = resolve(context, input, "DeleteMessage", true);
  const std::string handle = input::req_string(input, "ReceiptHandle");
  std::vector<std::shared_ptr<ReceiveJob>> jobs;
  {
    std::unique_lock lock(queue->mutex);
    if (queue->deleted) throw errors::queue_does_not_exist();
    store::Batch batch;
    bool changed = false;
    delete_locked(*queue, handle, batch, changed);
    if (!changed) {
      lock.unlock();
      done(boost::json::object{});
      return;
    }
    commit(std::move(batch), [done = std::move(done)](const store::Status& s) mutable { answer(done, s); });
    // A FIFO group may have been unlocked.
    if (queue->fifo && !queue->waiters.empty()) jobs = service_waiters_locked(queue, now());
  }
  for (auto& job : jobs) read_and_finish(job);
}

void SqsEngine::delete_message_batch(const Context& context, const Input& input, Completion& done) {
  auto queue = resolve(context, input, "DeleteMessageBatch", true);
  const auto& entries = batch_entries(input, "DeleteMessageBatchRequestEntry");
  boost::json::array successful, failed;
  std::vector<std::shared_ptr<ReceiveJob>> jobs;
  {
    std::unique_lock lock(queue->mutex);
    if (queue->deleted) throw errors::queue_does_not_exist();
    store::Batch batch;
    bool changed = false;
    for (const auto& raw : entries) {
      const auto& entry = raw.get_object();
      const std::string id = input::opt_string(entry, "Id").value_or("");
      try {
        delete_locked(*queue, input::req_string(entry, "ReceiptHandle"), batch, changed);
        successful.push_back(boost::json::object{{"Id", id}});
      } catch (const SqsError& error) {
        failed.push_back(batch_failure(id, error.error()));
      }
    }
    boost::json::object result{{"Successful", std::move(successful)}, {"Failed", std::move(failed)}};
    if (!changed) {
      lock.unlock();
      done(std::move(result));
      return;
    }
    commit(std::move(batch), [done = std::move(done), result = std::move(result)](
                                 const store::Status& s) mutable { answer(done, s, std::move(result)); });
    if (queue->fifo && !queue->waiters.empty()) jobs = service_waiters_locked(queue, now());
  }
  for (auto& job : jobs) read_and_finish(job);
}

void SqsEngine::change_message_visibility(const Context& context, const Input& input, Completion& done) {
  auto queue = resolve(context, input, "ChangeMessageVisibility", true);
  const std::string handle = input::req_string(input, "ReceiptHandle");
  const auto timeout = checked_timeout(input::req_int(input, "VisibilityTimeout"));
  std::vector<std::shared_ptr<ReceiveJob>> jobs;
  {
    std::lock_guard lock(queue->mutex);
    if (queue->deleted) throw errors::queue_does_not_exist();
    store::Batch batch;
    bool made_visible = false;
    change_visibility_locked(*queue, handle, timeout, batch, made_visible);
    commit(std::move(batch), [done = std::move(done)](const store::Status& s) mutable { answer(done, s); });
    if (!queue->waiters.empty()) jobs = service_waiters_locked(queue, now());
  }
  for (auto& job : jobs) read_and_finish(job);
}

void SqsEngine::change_message_visibility_batch(const Context& context, const Input& input,
                                                Completion& done) {
  auto queue = resolve(context, input, "ChangeMessageVisibilityBatch", true);
  const auto& entries = batch_entries(input, "ChangeMessageVisibilityBatchRequestEntry");
  boost::json::array successful, failed;
  std::vector<std::shared_ptr<ReceiveJob>> jobs;
  {
    std::lock_guard lock(queue->mutex);
    if (queue->deleted) throw errors::queue_does_not_exist();
    store::Batch batch;
    bool made_visible = false;
    for (const auto& raw : entries) {
      const auto& entry = raw.get_object();
      const std::string id = input::opt_string(entry, "Id").value_or("");
      try {
        const auto timeout = checked_timeout(input::req_int(entry, "VisibilityTimeout"));
        change_visibility_locked(*queue, input::req_string(entry, "ReceiptHandle"), timeout, batch,
                                 made_visible);
        successful.push_back(boost::json::object{{"Id", id}});
      } catch (const SqsError& error) {
        failed.push_back(batch_failure(id, error.error()));
      }
    }
    boost::json::object result{{"Successful", std::move(successful)}, {"Failed", std::move(failed)}};
    commit(std::move(batch), [done = std::move(done), result = std::move(result)](
                                 const store::Status& s) mutable { answer(done, s, std::move(result)); });
    if (!queue->waiters.empty()) jobs = service_waiters_locked(queue, now());
  }
  for (auto& job : jobs) read_and_finish(job);
}

}  // namespace fanout::services::sqs
