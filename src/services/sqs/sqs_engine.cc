#include "services/sqs/sqs_engine.h"

#include <boost/json.hpp>
#include <mutex>
#include <sstream>

#include "common/crypto.h"
#include "services/sqs/engine_internal.h"
#include "services/sqs/json_input.h"
#include "services/sqs/queue_address.h"
#include "services/sqs/sqs_error.h"

namespace fanout::services::sqs {

// ---- StagedSends ----

StagedSends::StagedSends() = default;
StagedSends::~StagedSends() = default;
StagedSends::StagedSends(StagedSends&&) noexcept = default;
StagedSends& StagedSends::operator=(StagedSends&&) noexcept = default;
bool StagedSends::empty() const { return items_.empty(); }
std::size_t StagedSends::size() const { return items_.size(); }

// ---- batch entry errors ----

std::string batch_error_code(const protocol::ServiceError& error) {
  if (error.code == "MessageNotInflight") return "AWS.SimpleQueueService.MessageNotInflight";
  return error.code;
}

boost::json::object batch_failure(std::string_view id, const protocol::ServiceError& error) {
  boost::json::object entry;
  entry["Id"] = id;
  entry["SenderFault"] = error.sender_fault;
  entry["Code"] = batch_error_code(error);
  entry["Message"] = error.message;
  return entry;
}

// ---- lifecycle ----

SqsEngine::SqsEngine(store::Store& store, const Clock& clock, TimerQueue& timers)
    : store_(store), clock_(clock), timers_(timers), life_(std::make_shared<Lifeline>()) {
  recover();
  schedule_maintenance();
}

SqsEngine::~SqsEngine() {
  stop();
  // Callbacks of commits already handed over still run (and may answer requests) first.
  store_.flush();
  std::unique_lock lock(life_->mutex);
  life_->alive = false;
}

std::vector<std::string> SqsEngine::column_families() {
  return {std::string(kQueuesCf), std::string(kMessagesCf), std::string(kMetaCf), std::string(kDedupCf),
          std::string(kStateCf)};
}

// Every receive reads its messages' bodies by key.
std::vector<std::string> SqsEngine::point_read_families() { return {std::string(kMessagesCf)}; }
// The meta records mirror the in-memory index and the deduplication entries the in-memory
// DedupCache, which answer every read; both are read back only by recovery's scan.
std::vector<std::string> SqsEngine::write_only_families() {
  return {std::string(kMetaCf), std::string(kDedupCf)};
}
// A message body's key is its queue's prefix and then its seq (message_key): sends append to each
// queue's run of keys, deletes follow close behind the receives.
std::vector<store::Options::SequencedKeys> SqsEngine::sequenced_families() {
  return {{std::string(kMessagesCf), queue_key_prefix(0).size(), message_key(0, 0).size()}};
}

const std::map<std::string, SqsEngine::Handler, std::less<>>& SqsEngine::handlers() {
  static const std::map<std::string, Handler, std::less<>> table{
      {"AddPermission", &SqsEngine::add_permission},
      {"CancelMessageMoveTask", &SqsEngine::cancel_message_move_task},
      {"ChangeMessageVisibility", &SqsEngine::change_message_visibility},
      {"ChangeMessageVisibilityBatch", &SqsEngine::change_message_visibility_batch},
      {"CreateQueue", &SqsEngine::create_queue},
      {"DeleteMessage", &SqsEngine::delete_message},
      {"DeleteMessageBatch", &SqsEngine::delete_message_batch},
      {"DeleteQueue", &SqsEngine::delete_queue},
      {"GetQueueAttributes", &SqsEngine::get_queue_attributes},
      {"GetQueueUrl", &SqsEngine::get_queue_url},
      {"ListDeadLetterSourceQueues", &SqsEngine::list_dead_letter_source_queues},
      {"ListMessageMoveTasks", &SqsEngine::list_message_move_tasks},
      {"ListQueueTags", &SqsEngine::list_queue_tags},
      {"ListQueues", &SqsEngine::list_queues},
      {"PurgeQueue", &SqsEngine::purge_queue},
      {"ReceiveMessage", &SqsEngine::receive_message},
      {"RemovePermission", &SqsEngine::remove_permission},
      {"SendMessage", &SqsEngine::send_message},
      {"SendMessageBatch", &SqsEngine::send_message_batch},
      {"SetQueueAttributes", &SqsEngine::set_queue_attributes},
      {"StartMessageMoveTask", &SqsEngine::start_message_move_task},
      {"TagQueue", &SqsEngine::tag_queue},
      {"UntagQueue", &SqsEngine::untag_queue},
  };
  return table;
}

void SqsEngine::invoke(const Context& context, const std::string& operation, boost::json::object input,
                       Completion done) {
  auto it = handlers().find(operation);
  if (it == handlers().end()) {
    done(protocol::ServiceError::make("InvalidAction",
                                      "The action " + operation + " is not valid for this endpoint."));
    return;
  }
  try {
    (this->*(it->second))(context, input, done);
  } catch (const SqsError& error) {
    // Handlers throw only before handing `done` on.
    if (done) done(error.error());
  } catch (const std::exception& error) {
    if (done) done(errors::internal(error.what()).error());
  }
}

void SqsEngine::commit(store::Batch batch, std::function<void(const store::Status&)> then) {
  store_.commit(std::move(batch), [life = life_, then = std::move(then)](const store::Status& status) {
    std::shared_lock lock(life->mutex);
    if (!life->alive) return;
    then(status);
  });
}

TimerQueue::TimerId SqsEngine::schedule(std::int64_t delay_ms, std::function<void()> fn) {
  return timers_.schedule(delay_ms, [life = life_, fn = std::move(fn)] {
    std::shared_lock lock(life->mutex);
    if (!life->alive) return;
    fn();
  });
}

// ---- addressing ----

std::shared_ptr<Queue> SqsEngine::resolve_address(const std::string& caller_account, std::string_view account,
                                                  std::string_view name, std::string_view operation,
                                                  const PolicyPrincipal& principal, bool cross_account) {
  auto queue = registry_.find(account, name);
  if (!queue) throw errors::queue_does_not_exist();
  if (queue->account != caller_account) {
    if (!cross_account) throw errors::queue_does_not_exist();
    std::string policy;
    {
      std::lock_guard lock(queue->mutex);
      policy = queue->settings.policy;
    }
    if (!policy_allows(policy, policy_action_for(operation), principal, queue->arn)) {
      throw errors::queue_does_not_exist();
    }
  }
  return queue;
}

std::shared_ptr<Queue> SqsEngine::resolve(const Context& context, const Input& input,
                                          std::string_view operation, bool cross_account) {
  auto url = input::opt_string(input, "QueueUrl");
  std::optional<QueueAddress> address;
  if (url && !url->empty()) {
    address = parse_queue_url(*url);
  } else if (!context.path.empty() && context.path != "/") {
    address = parse_queue_url(context.path);
  } else {
    throw errors::missing_parameter("QueueUrl");
  }
  if (!address) throw errors::queue_does_not_exist();
  PolicyPrincipal principal;
  principal.account = context.account_id;
  return resolve_address(context.account_id, address->account, address->name, operation, principal,
                         cross_account);
}

std::string SqsEngine::queue_url(const Context& context, const Queue& queue) const {
  return format_queue_url(context.scheme, context.host, queue.account, queue.name);
}

std::optional<std::string> SqsEngine::queue_arn(std::string_view reference) const {
  std::optional<QueueAddress> address;
  if (auto slash = reference.find('/'); !reference.starts_with("arn:") &&
                                        reference.find("://") == std::string_view::npos &&
                                        slash != std::string_view::npos) {
    address = QueueAddress{std::string(reference.substr(0, slash)), std::string(reference.substr(slash + 1))};
  } else {
    address = parse_queue_reference(reference);
  }
  if (!address) return std::nullopt;
  auto queue = registry_.find(address->account, address->name);
  if (!queue) return std::nullopt;
  return queue->arn;
}

std::uint64_t SqsEngine::allocate_seq(Queue& queue, store::Batch& batch) {
  const std::uint64_t seq = queue.next_seq.fetch_add(1);
  if (seq % kSeqBlock == 0) {
    std::string value;
    put_u64_be(value, seq + kSeqBlock);
    batch.put(kStateCf, seq_reservation_key(queue.id), value);
  }
  return seq;
}

// ---- maintenance ----

void SqsEngine::schedule_maintenance() {
  std::lock_guard lock(maintenance_mutex_);
  if (stopped_) return;
  maintenance_timer_ = schedule(1000, [this] {
    tick();
    schedule_maintenance();
  });
}

void SqsEngine::maintain(const std::shared_ptr<Queue>& queue) {
  std::vector<std::shared_ptr<ReceiveJob>> jobs;
  {
    std::lock_guard lock(queue->mutex);
    if (queue->deleted) return;
    const auto t = now();
    store::Batch batch;
    queue->index.promote(t);
    std::vector<std::uint64_t> expired;
    queue->index.expire(t - queue->settings.message_retention_period * 1000, expired);
    for (auto seq : expired) {
      batch.erase(kMessagesCf, message_key(queue->id, seq));
      batch.erase(kMetaCf, message_key(queue->id, seq));
    }
    std::vector<std::string> stale;
    queue->dedup.sweep(t, stale);
    for (const auto& key : stale) batch.erase(kDedupCf, dedup_store_key(queue->id, key));
    for (auto it = queue->attempts.begin(); it != queue->attempts.end();) {
      it = it->second.expires_ms <= t ? queue->attempts.erase(it) : std::next(it);
    }
    if (!batch.empty()) commit(std::move(batch), [](const store::Status&) {});
    if (!queue->waiters.empty()) jobs = service_waiters_locked(queue, t);
  }
  for (auto& job : jobs) read_and_finish(job);
}

void SqsEngine::tick() {
  if (stopped_) return;
  for (const auto& queue : registry_.all()) maintain(queue);
}

void SqsEngine::stop() {
  stopped_ = true;
  {
    std::lock_guard lock(maintenance_mutex_);
    if (maintenance_timer_ != 0) timers_.cancel(maintenance_timer_);
    maintenance_timer_ = 0;
  }
  {
    std::lock_guard lock(tasks_mutex_);
    for (auto& [id, task] : tasks_) {
      if (task->timer != 0) timers_.cancel(task->timer);
      task->timer = 0;
    }
  }
  std::vector<std::shared_ptr<Waiter>> parked;
  for (const auto& queue : registry_.all()) {
    std::lock_guard lock(queue->mutex);
    if (queue->wake_timer != 0) timers_.cancel(queue->wake_timer);
    queue->wake_timer = 0;
    for (auto& waiter : queue->waiters) {
      if (waiter->deadline_timer != 0) timers_.cancel(waiter->deadline_timer);
      parked.push_back(std::move(waiter));
    }
    queue->waiters.clear();
  }
  complete_empty(parked);
}

void SqsEngine::reset() {
  {
    std::lock_guard lock(tasks_mutex_);
    for (auto& [id, task] : tasks_) {
      if (task->timer != 0) timers_.cancel(task->timer);
    }
    tasks_.clear();
  }
  std::vector<std::shared_ptr<Waiter>> parked;
  for (const auto& queue : registry_.all()) {
    std::lock_guard lock(queue->mutex);
    queue->deleted = true;
    if (queue->wake_timer != 0) timers_.cancel(queue->wake_timer);
    queue->wake_timer = 0;
    for (auto& waiter : queue->waiters) {
      if (waiter->deadline_timer != 0) timers_.cancel(waiter->deadline_timer);
      parked.push_back(std::move(waiter));
    }
    queue->waiters.clear();
    queue->index.clear();
    queue->dedup.clear();
    queue->attempts.clear();
  }
  registry_.clear();
  complete_empty(parked);

  // Erase the engine's column families (the gateway may wipe the whole store as well) but keep
  // the receipt-handle key and the queue id counter, so no handle or id is ever reused.
  store_.flush();
  store::Batch batch;
  const std::string everything(32, '\xff');
  for (const auto& cf : column_families()) batch.erase_range(cf, std::string(), everything);
  batch.put(kStateCf, kHmacKey, hmac_key_);
  std::string next_id;
  put_u64_be(next_id, registry_.peek_next_id());
  batch.put(kStateCf, kNextQueueIdKey, next_id);
  store_.write(std::move(batch));
}

std::string SqsEngine::prometheus_metrics() const {
  std::ostringstream out;
  auto queues = registry_.all();
  out << "# HELP fanout_sqs_queues Number of SQS queues.\n# TYPE fanout_sqs_queues gauge\n";
  out << "fanout_sqs_queues " << queues.size() << "\n";
  out << "# HELP fanout_sqs_messages Messages per SQS queue by state.\n# TYPE fanout_sqs_messages gauge\n";
  for (const auto& queue : queues) {
    std::size_t ready, inflight, delayed;
    {
      std::lock_guard lock(queue->mutex);
      if (queue->deleted) continue;
      ready = queue->index.ready_count();
      inflight = queue->index.inflight_count();
      delayed = queue->index.delayed_count();
    }
    const std::string labels = "account=\"" + queue->account + "\",queue=\"" + queue->name + "\"";
    out << "fanout_sqs_messages{" << labels << ",state=\"visible\"} " << ready << "\n";
    out << "fanout_sqs_messages{" << labels << ",state=\"not_visible\"} " << inflight << "\n";
    out << "fanout_sqs_messages{" << labels << ",state=\"delayed\"} " << delayed << "\n";
  }
  return out.str();
}

}  // namespace fanout::services::sqs
