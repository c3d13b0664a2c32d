// The SQS engine: every operation of the SQS API (query and JSON protocols alike reach it
// through invoke()), durable through the store, with an in-memory index per queue.
//
// Lifecycle: the constructor recovers every queue, message index, deduplication entry and move
// task from the store (scanning only the small per-message meta records) and resumes running
// move tasks; no separate call is needed. stop() answers every parked long poll with an empty
// result and stops the engine's timers (shutdown); reset() forgets all SQS state and erases the
// engine's column families (POST /_fanout/reset). The destructor stops, drains pending commits
// and makes late timer callbacks no-ops, so the engine may be destroyed before the TimerQueue.
//
// Concurrency: invoke() may run on any number of threads. Each queue has its own mutex; the
// registry's lock is never held while taking a queue's. A mutating operation changes memory
// and hands its write batch to the store under the queue's mutex (so the store sees a queue's
// writes in the order memory did), and completes from the store's on_durable callback. Sends
// become visible only once durable (message bodies live in the store, not in RAM).
#pragma once

#include <atomic>
#include <boost/json/array.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/clock.h"
#include "common/timer_queue.h"
#include "protocol/operation.h"
#include "services/sqs/message_attributes.h"
#include "services/sqs/message_record.h"
#include "services/sqs/move_task.h"
#include "services/sqs/queue_policy.h"
#include "services/sqs/queue_registry.h"
#include "services/sqs/receipt_handle.h"
#include "store/store.h"

namespace fanout::services::sqs {

// ---- Typed API for other engines (SNS fan-out) ----

// A message to deliver, validated exactly as SendMessage validates its input.
struct SendRequest {
  std::string body;
  MessageAttributes attributes;               // sorted by name (parse_message_attributes does)
  std::optional<std::string> trace_header;    // AWSTraceHeader
  std::optional<std::int64_t> delay_seconds;  // default: the queue's DelaySeconds
  std::string group_id;                       // MessageGroupId (required by FIFO queues)
  std::string deduplication_id;               // FIFO; "" = content-based when enabled
  // The body's MD5 (hex) when the caller already has it: SNS sends one raw message to several
  // queues. Only the typed API sets it; requests from the wire always leave it empty.
  std::string md5_of_body;
};

struct SendResult {
  std::string message_id;
  std::string md5_of_body;
  std::string md5_of_attributes;         // "" when no attributes, and from stage_send
  std::string md5_of_system_attributes;  // "" when no system attributes, and from stage_send
  std::string sequence_number;           // FIFO only
};

using SendOutcome = std::variant<SendResult, protocol::ServiceError>;

// Who sends. A queue of another account accepts the message only if its policy allows
// sqs:SendMessage for this principal (e.g. Service sns.amazonaws.com with an aws:SourceArn
// condition on the topic).
struct SendCaller {
  std::string account;         // the account on whose behalf the message is sent
  std::string sender_id;       // the SenderId message attribute (default: account)
  std::string service;         // "sns.amazonaws.com" for SNS deliveries, "" otherwise
  std::string source_arn;      // aws:SourceArn (the topic), "" when none
  std::string source_account;  // aws:SourceAccount, "" when none
};

// Sends staged into a caller's store::Batch. Move-only. Pass to finish_staged() exactly once,
// after the batch's commit completed (success or failure).
class StagedSends {
 public:
  StagedSends();
  ~StagedSends();
  StagedSends(StagedSends&&) noexcept;
  StagedSends& operator=(StagedSends&&) noexcept;
  bool empty() const;
  std::size_t size() const;

 private:
  friend class SqsEngine;
  struct Item;
  std::vector<Item> items_;
};

class SqsEngine final : public protocol::ServiceEngine {
 public:
  // Recovers all state from the store (see above).
  SqsEngine(store::Store& store, const Clock& clock, TimerQueue& timers);
  ~SqsEngine() override;
  SqsEngine(const SqsEngine&) = delete;
  SqsEngine& operator=(const SqsEngine&) = delete;

  // Column families the store must open for this engine.
  static std::vector<std::string> column_families();
  // Families read by key on the hot path (store::Options::point_read_families).
  static std::vector<std::string> point_read_families();
  // Families only written while running, read by the recovery scan alone
  // (store::Options::write_only_families).
  static std::vector<std::string> write_only_families();
  // Families keyed by a queue id and a growing seq (store::Options::sequenced_families).
  static std::vector<store::Options::SequencedKeys> sequenced_families();

  void invoke(const protocol::RequestContext& context, const std::string& operation,
              boost::json::object input, protocol::Completion done) override;

  void reset();
  void stop();
  // Prometheus text: fanout_sqs_queues and per-queue message counts by state.
  std::string prometheus_metrics() const;
  // Re-evaluates every queue's timers now (delays and visibility timeouts that ended, long polls
  // to wake, retention). The engine runs this itself every second; tests with a ManualClock call
  // it after moving the clock.
  void tick();

  // -- Typed API --
  // Validates `request` for the queue named by `queue` (ARN, URL or "<account>/<name>"), checks
  // the caller may send to it, and appends the message's records to `batch`; the message stays
  // invisible until finish_staged(). FIFO deduplication is decided here: a duplicate returns
  // the original MessageId and stages nothing. Errors are returned, not thrown; nothing is
  // staged on error.
  SendOutcome stage_send(const SendCaller& caller, std::string_view queue, SendRequest request,
                         store::Batch& batch, StagedSends& staged);
  // After the caller's batch committed: on success the staged messages become receivable (and
  // wake long polls); on failure their FIFO deduplication entries are released.
  void finish_staged(StagedSends staged, const store::Status& status);
  // One message, its own commit; `done` runs once the message is durable (or failed).
  void enqueue(const SendCaller& caller, std::string_view queue, SendRequest request,
               std::function<void(SendOutcome)> done);
  // The ARN of an existing queue named by ARN, URL or "<account>/<name>", for validation.
  std::optional<std::string> queue_arn(std::string_view queue) const;

  // Receipt handle codec (tests).
  const ReceiptHandleCodec& receipt_handles() const { return *handles_; }

  // -- Read-only views for the console (engine_peek.cc): they change no message, visibility
  // or receive count. nullopt when `account` has no queue `name`.
  struct QueueActivity {
    std::uint64_t sent = 0, received = 0, deleted = 0;  // totals since start; rates are derived
    std::int64_t oldest_sent_ms = 0;  // the oldest message's send (or DLQ move) time, 0 when empty
  };
  std::optional<QueueActivity> queue_activity(std::string_view account, std::string_view name) const;
  struct PeekOptions {
    std::size_t max_messages = 100;
    bool include_inflight = false;
    bool include_delayed = false;
  };
  // Messages in send order, each as ReceiveMessage returns it with every system and message
  // attribute (ApproximateReceiveCount as it stands, not incremented), without a ReceiptHandle.
  std::optional<boost::json::array> peek_messages(std::string_view account, std::string_view name,
                                                  const PeekOptions& options) const;

 private:
  using Completion = protocol::Completion;
  using Context = protocol::RequestContext;
  using Input = boost::json::object;
  using Handler = void (SqsEngine::*)(const Context&, const Input&, Completion&);
  struct Lifeline;
  struct ReceiveJob;
  struct PreparedSend;
  struct DeadLetterMove;

  // --- plumbing (sqs_engine.cc) ---
  static const std::map<std::string, Handler, std::less<>>& handlers();
  std::int64_t now() const { return clock_.now_ms(); }
  // Hands the batch to the group committer; `then` runs on the committer thread once durable,
  // unless the engine has been destroyed meanwhile.
  void commit(store::Batch batch, std::function<void(const store::Status&)> then);
  // Runs fn on the timer thread after delay_ms, unless the engine is gone by then.
  TimerQueue::TimerId schedule(std::int64_t delay_ms, std::function<void()> fn);
  // The queue a request names (QueueUrl, else the request path). Throws QueueDoesNotExist when
  // it does not exist or belongs to another account whose policy does not allow `operation`
  // (or the operation is owner-only: cross_account = false).
  std::shared_ptr<Queue> resolve(const Context& context, const Input& input, std::string_view operation,
                                 bool cross_account);
  std::shared_ptr<Queue> resolve_address(const std::string& caller_account, std::string_view account,
                                         std::string_view name, std::string_view operation,
                                         const PolicyPrincipal& principal, bool cross_account);
  std::string queue_url(const Context& context, const Queue& queue) const;
  std::uint64_t allocate_seq(Queue& queue, store::Batch& batch);
  void schedule_maintenance();
  void maintain(const std::shared_ptr<Queue>& queue);

  // --- queue operations (engine_queues.cc) ---
  void create_queue(const Context&, const Input&, Completion&);
  void get_queue_url(const Context&, const Input&, Completion&);
  void list_queues(const Context&, const Input&, Completion&);
  void get_queue_attributes(const Context&, const Input&, Completion&);
  void set_queue_attributes(const Context&, const Input&, Completion&);
  void delete_queue(const Context&, const Input&, Completion&);
  void purge_queue(const Context&, const Input&, Completion&);
  void tag_queue(const Context&, const Input&, Completion&);
  void untag_queue(const Context&, const Input&, Completion&);
  void list_queue_tags(const Context&, const Input&, Completion&);
  void list_dead_letter_source_queues(const Context&, const Input&, Completion&);
  void add_permission(const Context&, const Input&, Completion&);
  void remove_permission(const Context&, const Input&, Completion&);
  // Checks a RedrivePolicy's target (exists, same account and type, allows this source).
  void check_redrive_target(std::string_view account, std::string_view source_arn, bool fifo,
                            const QueueSettings& settings);
  // Completes `done` with `result`, or with InternalError when the commit failed.
  static void answer(Completion& done, const store::Status& status, boost::json::object result = {});
  // Writes the queue record (under the queue's mutex) and completes `done` with {} once durable.
  void persist_queue_locked(Queue& queue, Completion done);

  // --- sending (engine_send.cc) ---
  void send_message(const Context&, const Input&, Completion&);
  void send_message_batch(const Context&, const Input&, Completion&);
  SendRequest parse_send_request(const Input& entry);
  // Validates against the queue's settings (taken under its mutex); throws SqsError.
  PreparedSend prepare_send(Queue& queue, SendRequest request, const std::string& sender_id);
  // MD5OfMessageAttributes and MD5OfMessageSystemAttributes, which only SendMessage(Batch)
  // answers with: receives compute them over the attributes they return, and the typed API's
  // callers (SNS deliveries) read neither, so stage_send leaves them out.
  static void add_attribute_checksums(PreparedSend& send);
  // Under the queue's mutex: deduplicates, assigns the sequence and writes the records.
  SendResult stage_locked(const std::shared_ptr<Queue>& queue, PreparedSend& send, store::Batch& batch,
                          StagedSends& staged);
  static boost::json::object send_result_json(const SendResult& result);

  // --- receiving and long polls (engine_receive.cc) ---
  void receive_message(const Context&, const Input&, Completion&);
  ReceiveOptions parse_receive_options(const Input& input, Queue& queue);
  // Under the queue's mutex: picks messages, moves those past maxReceiveCount to the
  // dead-letter queue, drops expired ones, and commits the resulting batch. Returns null when
  // nothing was delivered and nothing needed writing.
  std::shared_ptr<ReceiveJob> start_receive_locked(const std::shared_ptr<Queue>& queue,
                                                   const ReceiveOptions& options, std::int64_t now,
                                                   bool& delivered);
  // Outside any lock: reads the bodies, then completes once the commit is durable as well.
  void read_and_finish(const std::shared_ptr<ReceiveJob>& job);
  void finish_receive(const std::shared_ptr<ReceiveJob>& job);
  // Under the queue's mutex: serves parked long polls while messages are receivable and
  // re-arms the wake timer; the returned jobs must be passed to read_and_finish() unlocked.
  std::vector<std::shared_ptr<ReceiveJob>> service_waiters_locked(const std::shared_ptr<Queue>& queue,
                                                                  std::int64_t now);
  void arm_wake_timer_locked(const std::shared_ptr<Queue>& queue, std::int64_t now);
  void wake(const std::shared_ptr<Queue>& queue);
  // Under the queue's mutex: removes and returns a parked waiter; null if it is gone (answered).
  static std::shared_ptr<Waiter> take_waiter_locked(Queue& queue, std::uint64_t waiter_id);
  void expire_waiter(const std::weak_ptr<Queue>& queue, std::uint64_t waiter_id);
  // The long poll's client disconnected: it leaves the queue's waiters without taking messages.
  void abandon_waiter(const std::weak_ptr<Queue>& queue, std::uint64_t waiter_id);
  // Completes these parked receives with an empty result (outside any lock).
  static void complete_empty(const std::vector<std::shared_ptr<Waiter>>& waiters);
  // Makes staged messages receivable (after their batch is durable) and wakes long polls.
  void apply_staged(StagedSends& staged, bool durable);

  // --- deletes and visibility (engine_messages.cc) ---
  void delete_message(const Context&, const Input&, Completion&);
  void delete_message_batch(const Context&, const Input&, Completion&);
  void change_message_visibility(const Context&, const Input&, Completion&);
  void change_message_visibility_batch(const Context&, const Input&, Completion&);
  // Per-entry work under the queue's mutex; throws SqsError for the entry's failure.
  void delete_locked(Queue& queue, std::string_view receipt_handle, store::Batch& batch, bool& changed);
  void change_visibility_locked(Queue& queue, std::string_view receipt_handle, std::int64_t timeout_s,
                                store::Batch& batch, bool& made_visible);
  ReceiptHandle decode_handle(const Queue& queue, std::string_view text) const;

  // --- message move tasks (engine_move_tasks.cc) ---
  void start_message_move_task(const Context&, const Input&, Completion&);
  void list_message_move_tasks(const Context&, const Input&, Completion&);
  void cancel_message_move_task(const Context&, const Input&, Completion&);
  void run_move_task(const std::string& task_id);
  void schedule_move_task(const std::shared_ptr<MoveTask>& task, std::int64_t delay_ms);
  bool is_dead_letter_queue(const Queue& queue) const;
  void persist_task(const MoveTask& task, store::Batch& batch) const;

  // --- recovery (engine_recovery.cc) ---
  void recover();

  store::Store& store_;
  const Clock& clock_;
  TimerQueue& timers_;
  std::shared_ptr<Lifeline> life_;
  QueueRegistry registry_;
  std::string hmac_key_;
  std::unique_ptr<ReceiptHandleCodec> handles_;
  std::atomic<bool> stopped_{false};
  std::atomic<std::uint64_t> next_waiter_id_{1};

  std::mutex maintenance_mutex_;
  TimerQueue::TimerId maintenance_timer_ = 0;

  mutable std::mutex tasks_mutex_;
  std::map<std::string, std::shared_ptr<MoveTask>> tasks_;  // by task id
};

}  // namespace fanout::services::sqs
