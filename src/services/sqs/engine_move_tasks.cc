// Message move tasks: StartMessageMoveTask / ListMessageMoveTasks / CancelMessageMoveTask.
//
// A task runs on the timer thread in ticks of 100 ms. Each tick takes up to its budget of ready
// messages from the dead-letter queue (only those sent before the task started), reads their
// records, and in one batch erases them from the source and writes them to their destination
// (the task's DestinationArn, else each message's DeadLetterQueueSourceArn). The budget honours
// MaxNumberOfMessagesPerSecond (default 500): by the clock, at most rate × (whole seconds since
// start + 1) messages in total. A tick that finds nothing left completes the task.
#include <algorithm>
#include <boost/json.hpp>
#include <mutex>

#include "common/crypto.h"
#include "services/sqs/engine_internal.h"
#include "services/sqs/json_input.h"
#include "services/sqs/queue_address.h"
#include "services/sqs/sqs_engine.h"
#include "services/sqs/sqs_error.h"

namespace fanout::services::sqs {

namespace {

constexpr std::int64_t kTickMs = 100;
constexpr std::int64_t kDefaultRate = 500;
constexpr std::int64_t kMaxPerTick = 100;
constexpr std::size_t kTasksKeptPerQueue = 10;

SqsError not_found(std::string_view parameter) {
  return SqsError("ResourceNotFoundException", "The resource that you specified for the " +
                                                   std::string(parameter) + " parameter doesn't exist.");
}

}  // namespace

bool SqsEngine::is_dead_letter_queue(const Queue& dlq) const {
  for (const auto& queue : registry_.list(dlq.account, "")) {
    if (queue.get() == &dlq) continue;
    std::lock_guard lock(queue->mutex);
    if (!queue->deleted && queue->settings.redrive_policy &&
        queue->settings.redrive_policy->dead_letter_target_arn == dlq.arn) {
      return true;
    }
  }
  return false;
}

void SqsEngine::persist_task(const MoveTask& task, store::Batch& batch) const {
  batch.put(kStateCf, task_key(task.task_id), task.encode());
}

void SqsEngine::schedule_move_task(const std::shared_ptr<MoveTask>& task, std::int64_t delay_ms) {
  // tasks_mutex_ held by the caller.
  if (stopped_) return;
  task->timer = schedule(delay_ms, [this, id = task->task_id] { run_move_task(id); });
}

void SqsEngine::start_message_move_task(const Context& context, const Input& input, Completion& done) {
  const std::string source_arn = input::req_string(input, "SourceArn");
  auto source_address = parse_queue_arn(source_arn);
  auto source = source_address && source_address->account == context.account_id
                    ? registry_.find(source_address->account, source_address->name)
                    : nullptr;
  if (!source) throw not_found("SourceArn");
  const std::string destination_arn = input::opt_string(input, "DestinationArn").value_or("");
  if (!destination_arn.empty()) {
    auto address = parse_queue_arn(destination_arn);
    auto destination = address && address->account == context.account_id
                           ? registry_.find(address->account, address->name)
                           : nullptr;
    if (!destination) throw not_found("DestinationArn");
    if (destination == source) {
      throw errors::invalid_parameter_value("DestinationArn", destination_arn,
                                            "The source queue and the destination queue must differ.");
    }
  }
  const auto rate = input::opt_int(input, "MaxNumberOfMessagesPerSecond");
  if (rate && (*rate < 1 || *rate > 500)) {
    throw errors::invalid_parameter_value("MaxNumberOfMessagesPerSecond", std::to_string(*rate),
                                          "Must be between 1 and 500.");
  }
  if (!is_dead_letter_queue(*source)) {
    throw errors::invalid_parameter("Source queue must be configured as a Dead Letter Queue.");
  }

  auto task = std::make_shared<MoveTask>();
  task->task_id = crypto::uuid_v4();
  task->account = context.account_id;
  task->source_arn = source->arn;
  task->destination_arn = destination_arn;
  task->max_per_second = rate;
  task->started_ms = now();
  task->source_queue_id = source->id;
  {
    std::lock_guard lock(source->mutex);
    if (source->deleted) throw not_found("SourceArn");
    task->to_move = static_cast<std::int64_t>(source->index.size());
    task->seq_limit = source->next_seq.load();
  }

  store::Batch batch;
  std::lock_guard lock(tasks_mutex_);
  std::vector<std::shared_ptr<MoveTask>> same_source;
  for (const auto& [id, existing] : tasks_) {
    if (existing->source_queue_id != source->id) continue;
    if (existing->active()) {
      throw errors::invalid_parameter(
          "There is already a task running. Only one active task is allowed for a source queue arn at a "
          "given time.");
    }
    same_source.push_back(existing);
  }
  // Keep the most recent tasks per queue only.
  std::sort(same_source.begin(), same_source.end(),
            [](const auto& a, const auto& b) { return a->started_ms > b->started_ms; });
  for (std::size_t i = kTasksKeptPerQueue - 1; i < same_source.size(); ++i) {
    batch.erase(kStateCf, task_key(same_source[i]->task_id));
    tasks_.erase(same_source[i]->task_id);
  }
  persist_task(*task, batch);
  tasks_[task->task_id] = task;
  commit(std::move(batch), [done = std::move(done), handle = task->handle()](const store::Status& s) mutable {
    answer(done, s, boost::json::object{{"TaskHandle", handle}});
  });
  schedule_move_task(task, 0);
}

void SqsEngine::list_message_move_tasks(const Context& context, const Input& input, Completion& done) {
  const std::string source_arn = input::req_string(input, "SourceArn");
  auto address = parse_queue_arn(source_arn);
  auto source = address && address->account == context.account_id
                    ? registry_.find(address->account, address->name)
                    : nullptr;
  if (!source) throw not_found("SourceArn");
  const auto max = input::opt_int(input, "MaxResults").value_or(1);
  if (max < 1 || max > 10) {
    throw errors::invalid_parameter_value("MaxResults", std::to_string(max),
                                          "You must enter a number that's between 1 and 10.");
  }
  std::vector<MoveTask> found;
  {
    std::lock_guard lock(tasks_mutex_);
    for (const auto& [id, task] : tasks_) {
      if (task->source_queue_id == source->id) found.push_back(*task);
    }
  }
  std::sort(found.begin(), found.end(),
            [](const MoveTask& a, const MoveTask& b) { return a.started_ms > b.started_ms; });
  boost::json::array results;
  for (std::size_t i = 0; i < found.size() && i < static_cast<std::size_t>(max); ++i) {
    results.push_back(found[i].to_result_entry());
  }
  done(boost::json::object{{"Results", std::move(results)}});
}

void SqsEngine::cancel_message_move_task(const Context& context, const Input& input, Completion& done) {
  const std::string handle = input::req_string(input, "TaskHandle");
  auto id = MoveTask::task_id_from_handle(handle);
  std::lock_guard lock(tasks_mutex_);
  auto it = id ? tasks_.find(*id) : tasks_.end();
  if (it == tasks_.end() || it->second->account != context.account_id) {
    throw SqsError("ResourceNotFoundException",
                   "The resource that you specified for the TaskHandle parameter doesn't "
                   "exist.");
  }
  auto& task = it->second;
  if (task->status != "RUNNING") {
    throw errors::invalid_parameter("Only active tasks can be cancelled. The task is " + task->status + ".");
  }
  task->status = "CANCELLING";
  store::Batch batch;
  persist_task(*task, batch);
  commit(std::move(batch), [done = std::move(done), moved = task->moved](const store::Status& s) mutable {
    answer(done, s, boost::json::object{{"ApproximateNumberOfMessagesMoved", moved}});
  });
}

void SqsEngine::run_move_task(const std::string& task_id) {
  std::shared_ptr<MoveTask> task;
  auto finish = [&](std::string status, std::string reason = {}) {
    // tasks_mutex_ held.
    task->status = std::move(status);
    task->failure_reason = std::move(reason);
    task->timer = 0;
    store::Batch batch;
    persist_task(*task, batch);
    commit(std::move(batch), [](const store::Status&) {});
  };
  std::int64_t budget;
  {
    std::lock_guard lock(tasks_mutex_);
    auto it = tasks_.find(task_id);
    if (it == tasks_.end()) return;
    task = it->second;
    task->timer = 0;
    if (task->status == "CANCELLING") return finish("CANCELLED");
    if (task->status != "RUNNING" || stopped_) return;
    const std::int64_t rate = task->max_per_second.value_or(kDefaultRate);
    const std::int64_t elapsed_s = std::max<std::int64_t>(0, now() - task->started_ms) / 1000;
    budget = std::min(rate * (elapsed_s + 1) - task->moved, kMaxPerTick);
    if (budget <= 0) return schedule_move_task(task, kTickMs);
  }
  auto source = registry_.find_by_id(task->source_queue_id);
  if (!source) {
    std::lock_guard lock(tasks_mutex_);
    return finish("FAILED", "The source queue no longer exists.");
  }

  struct Taken {
    std::uint64_t seq;
    MessageMeta meta;
  };
  std::vector<Taken> taken;
  const auto t = now();
  {
    std::lock_guard lock(source->mutex);
    if (source->deleted) {
      std::lock_guard tasks_lock(tasks_mutex_);
      return finish("FAILED", "The source queue no longer exists.");
    }
    source->index.promote(t);
    source->index.receive(static_cast<std::size_t>(budget), t, t,
                          [&](std::uint64_t seq, const IndexedMessage& message) {
                            // Drops do not count towards receive()'s maximum: stop here.
                            if (seq >= task->seq_limit || taken.size() >= static_cast<std::size_t>(budget)) {
                              return MessageIndex::Pick::stop;
                            }
                            taken.push_back({seq, source->index.meta_of(seq, message)});
                            return MessageIndex::Pick::drop;
                          });
  }
  if (taken.empty()) {
    std::lock_guard lock(tasks_mutex_);
    if (task->status == "CANCELLING") return finish("CANCELLED");
    return finish("COMPLETED");
  }

  store::Batch batch;
  auto staged = std::make_shared<StagedSends>();
  std::size_t moved = 0;
  std::string failure;
  std::size_t i = 0;
  for (; i < taken.size(); ++i) {
    const std::string key = message_key(source->id, taken[i].seq);
    std::optional<std::string> stored;
    try {
      stored = store_.get(kMessagesCf, key);
    } catch (const std::exception& error) {
      failure = std::string("Reading a message failed: ") + error.what();
      break;
    }
    auto record = stored ? decode_message(*stored) : std::nullopt;
    if (!record) {  // gone meanwhile (purge, delete): just forget it
      batch.erase(kMetaCf, key);
      continue;
    }
    const std::string& target_arn =
        task->destination_arn.empty() ? record->dead_letter_source_arn : task->destination_arn;
    auto address = parse_queue_arn(target_arn);
    auto destination = address ? registry_.find(address->account, address->name) : nullptr;
    if (!destination || destination == source || (destination->fifo && record->group_id.empty())) {
      failure = target_arn.empty() ? "The message has no original source queue to move it back to."
                                   : "The destination queue " + target_arn +
                                         " does not exist or cannot accept the "
                                         "message.";
      break;
    }
    record->dead_letter_source_arn.clear();
    const std::uint64_t seq = allocate_seq(*destination, batch);
    MessageMeta meta;
    meta.retention_basis_ms = t;
    meta.visible_at_ms = t;
    meta.group_id = destination->fifo ? record->group_id : std::string();
    const std::string destination_key = message_key(destination->id, seq);
    batch.erase(kMessagesCf, key);
    batch.erase(kMetaCf, key);
    batch.put(kMessagesCf, destination_key, encode_message(*record));
    batch.put(kMetaCf, destination_key, encode_meta(meta));
    staged->items_.push_back(StagedSends::Item{destination, seq, std::move(meta), {}, record->message_id});
    ++moved;
  }
  if (i < taken.size()) {
    // Put back what was not moved.
    std::lock_guard lock(source->mutex);
    for (std::size_t k = i; k < taken.size(); ++k) source->index.insert(taken[k].seq, taken[k].meta, t);
  }

  // Progress becomes visible (and the next tick is scheduled) once the moves are durable and
  // the messages are receivable at their destination.
  {
    std::lock_guard lock(tasks_mutex_);
    MoveTask record = *task;
    record.moved += static_cast<std::int64_t>(moved);
    if (!failure.empty()) {
      record.status = "FAILED";
      record.failure_reason = failure;
    }
    persist_task(record, batch);
  }
  commit(std::move(batch), [this, staged, task, moved, failure](const store::Status& status) {
    apply_staged(*staged, status.ok);
    std::lock_guard lock(tasks_mutex_);
    if (status.ok) task->moved += static_cast<std::int64_t>(moved);
    if (!failure.empty()) {
      task->status = "FAILED";
      task->failure_reason = failure;
    }
    if (task->active()) schedule_move_task(task, kTickMs);
  });
}

}  // namespace fanout::services::sqs
