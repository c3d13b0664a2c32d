// The SNS engine: every operation of the SNS API (query protocol, through invoke()), durable
// through the store, delivering to SQS queues of this server, to HTTP/S endpoints and to Firehose.
//
// Durability: a Publish's SQS deliveries are staged into the same write batch as the rest of the
// publish (FIFO sequence and deduplication records, outbox entries), so once Publish answers,
// every matching SQS subscription holds the message. HTTP/S and Firehose deliveries go through a
// persisted outbox in that same batch, retried per the delivery policy across restarts until
// delivered or moved to the subscription's dead-letter queue.
//
// Lifecycle: the constructor recovers topics, subscriptions, FIFO state, the outbox and the
// signing key (generated and persisted at first start). stop() stops deliveries and timers;
// reset() forgets all SNS state (POST /_fanout/reset). The destructor stops and drains pending
// commits; the engine may be destroyed before the TimerQueue and the SqsEngine it was given, but
// not after the SqsEngine is destroyed while deliveries run (destroy SNS first).
//
// Concurrency: invoke() may run on any number of threads. The registry (topics, subscriptions)
// is copy-on-write behind one shared mutex: publishes take it shared and work on snapshots;
// changes take it exclusive, update memory and hand their batch to the store under it. FIFO
// topics serialize their publishes on a per-topic mutex held until the batch is handed over.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/clock.h"
#include "common/timer_queue.h"
#include "protocol/operation.h"
#include "services/sns/firehose_sink.h"
#include "services/sns/outbox_entry.h"
#include "services/sns/outbox_scheduler.h"
#include "services/sns/publish_message.h"
#include "services/sns/signing_key.h"
#include "services/sns/subscription.h"
#include "services/sns/topic.h"
#include "store/store.h"

namespace fanout::services::sqs {
class SqsEngine;
class StagedSends;
}  // namespace fanout::services::sqs

namespace fanout::services::sns {

class HttpClient;

struct SnsOptions {
  int signing_key_bits = 2048;
  bool verify_https_peer = true;  // HTTPS endpoints must present a certificate the system trusts
  std::chrono::milliseconds http_timeout{15000};
  std::size_t max_concurrent_deliveries = 64;
  // (for HTTP/S and for Firehose deliveries each). Of the HTTP/S ones, at most this many for one
  // subscription (outbox_scheduler.h: a hanging endpoint cannot hold every slot).
  std::size_t max_concurrent_deliveries_per_subscription = 8;
  std::int64_t tick_interval_ms = 200;  // outbox and maintenance timer
};

class SnsEngine final : public protocol::ServiceEngine {
 public:
  // Where the gateway serves signing_cert_pem() (GET, unauthenticated); SigningCertURL points here.
  static constexpr std::string_view kSigningCertPath = "/_fanout/sns/SimpleNotificationService.pem";

  SnsEngine(store::Store& store, const Clock& clock, TimerQueue& timers, sqs::SqsEngine& sqs,
            const SnsOptions& options = {});
  ~SnsEngine() override;
  SnsEngine(const SnsEngine&) = delete;
  SnsEngine& operator=(const SnsEngine&) = delete;

  static std::vector<std::string> column_families();

  void invoke(const protocol::RequestContext& context, const std::string& operation,
              boost::json::object input, protocol::Completion done) override;

  void reset();
  void stop();
  // Firehose deliveries wait in the outbox until a sink is set; null unsets it.
  void set_firehose_sink(FirehoseSink* sink);
  std::string signing_cert_pem() const;
  // Deliveries to a subscription since start (console); nullopt when it does not exist.
  struct SubscriptionActivity {
    std::uint64_t delivered = 0, failed = 0;
  };
  std::optional<SubscriptionActivity> subscription_activity(std::string_view arn) const;
  std::string prometheus_metrics() const;

  // Runs due outbox deliveries and maintenance now (the engine does this itself every
  // tick_interval_ms; tests with a ManualClock call it after moving the clock).
  void tick();
  // Pending outbox deliveries (waiting, in flight, or parked for a Firehose sink).
  std::size_t outbox_size() const;

 private:
  using Context = protocol::RequestContext;
  using Input = boost::json::object;
  using Completion = protocol::Completion;
  using Handler = void (SnsEngine::*)(const Context&, const Input&, Completion&);
  using SubscriptionList = std::vector<std::shared_ptr<const Subscription>>;
  struct Lifeline;
  struct FifoState;
  struct TopicEntry;
  struct PublishJob;
  struct Delivery;

  // --- plumbing (sns_engine.cc) ---
  static const std::map<std::string, Handler, std::less<>>& handlers();
  std::int64_t now() const { return clock_.now_ms(); }
  void commit(store::Batch batch, std::function<void(const store::Status&)> then);
  TimerQueue::TimerId schedule(std::int64_t delay_ms, std::function<void()> fn);
  void schedule_tick();
  // Completes `done` with `result`, or InternalError when the commit failed.
  static void answer(Completion& done, const store::Status& status, boost::json::object result = {});
  // The topic named by `arn` (throws InvalidParameter for a malformed ARN, NotFound when absent),
  // checked against its policy when the caller is another account.
  TopicEntry find_topic_locked(const Context& context, std::string_view arn, std::string_view action,
                               std::string_view parameter = "TopicArn") const;
  std::shared_ptr<const Subscription> find_subscription_locked(std::string_view arn) const;
  static std::string service_url(const Context& context);
  std::string signing_cert_url(std::string_view service_url) const;
  static std::string unsubscribe_url(const Subscription& subscription);
  // Replaces a topic's subscription list (after a change to one of them) under the exclusive lock.
  void rebuild_subscription_list_locked(const std::string& topic_arn);
  // The subscription records SubscriptionsConfirmed / Pending count.
  void count_subscriptions_locked(const std::string& topic_arn, std::size_t& confirmed,
                                  std::size_t& pending) const;
  bool caller_may_manage(const Context& context, const Subscription& subscription) const;

  // --- topics (engine_topics.cc) ---
  void create_topic(const Context&, const Input&, Completion&);
  void delete_topic(const Context&, const Input&, Completion&);
  void list_topics(const Context&, const Input&, Completion&);
  void get_topic_attributes(const Context&, const Input&, Completion&);
  void set_topic_attributes(const Context&, const Input&, Completion&);
  void add_permission(const Context&, const Input&, Completion&);
  void remove_permission(const Context&, const Input&, Completion&);
  void tag_resource(const Context&, const Input&, Completion&);
  void untag_resource(const Context&, const Input&, Completion&);
  void list_tags_for_resource(const Context&, const Input&, Completion&);
  void get_data_protection_policy(const Context&, const Input&, Completion&);
  void put_data_protection_policy(const Context&, const Input&, Completion&);
  // Persists `topic` (replacing the registered one) and completes `done` once durable.
  void replace_topic_locked(std::shared_ptr<const Topic> topic, Completion done);
  TopicEntry find_tagged_resource_locked(const Context& context, std::string_view arn) const;

  // --- subscriptions (engine_subscriptions.cc) ---
  void subscribe(const Context&, const Input&, Completion&);
  void confirm_subscription(const Context&, const Input&, Completion&);
  void unsubscribe(const Context&, const Input&, Completion&);
  void list_subscriptions(const Context&, const Input&, Completion&);
  void list_subscriptions_by_topic(const Context&, const Input&, Completion&);
  void get_subscription_attributes(const Context&, const Input&, Completion&);
  void set_subscription_attributes(const Context&, const Input&, Completion&);
  // Stages the SubscriptionConfirmation / UnsubscribeConfirmation a subscription's endpoint
  // gets (HTTP/S: an outbox entry; SQS of another account: a message in the queue).
  void stage_confirmation(const Topic& topic, const Subscription& subscription, std::string_view type,
                          store::Batch& batch, sqs::StagedSends& staged, std::vector<OutboxEntry>& outbox);
  static boost::json::object subscription_summary(const Subscription& subscription);

  // --- publishing (engine_publish.cc) ---
  void publish(const Context&, const Input&, Completion&);
  void publish_batch(const Context&, const Input&, Completion&);
  // Stages one validated message's deliveries into job->batch; returns {MessageId, SequenceNumber}.
  boost::json::object stage_publish(PublishJob& job, const PreparedMessage& message);
  void stage_sqs_delivery(PublishJob& job, const Subscription& subscription, const Delivery& delivery);
  // Writes a Firehose subscription's record into job.batch when the sink takes it now; false
  // when it must go through the outbox instead.
  bool stage_firehose_delivery(PublishJob& job, const Subscription& subscription, const std::string& record);
  void finish_publish(const std::shared_ptr<PublishJob>& job, Completion done, boost::json::object result);

  // --- outbox (engine_outbox.cc) ---
  // After the batch holding them is durable: makes the entries due.
  void enqueue_outbox(const std::vector<OutboxEntry>& entries);
  void pump_outbox();
  // Asks for a pump on the timer thread (coalesced), keeping I/O and commit threads light.
  void request_pump();
  // `generation`: the outbox generation when the attempt started; a reset since makes the
  // attempt's outcome moot.
  void attempt(const OutboxScheduler::Ref& ref, std::uint64_t generation);
  void attempt_finished(OutboxEntry entry, std::uint64_t generation, bool delivered, bool permanent,
                        const std::string& error);
  void dead_letter(OutboxEntry entry, const std::string& error);
  void erase_outbox(const std::string& id);
  void requeue_outbox(OutboxScheduler::Ref ref, std::int64_t due_ms, std::uint64_t generation);
  // An attempt ended before it reached its endpoint: frees its slot and asks for a pump.
  void attempt_ended(const OutboxScheduler::Ref& ref);
  std::string next_outbox_id();

  // --- SMS, mobile push, platform applications (engine_unsupported.cc) ---
  void set_sms_attributes(const Context&, const Input&, Completion&);
  void get_sms_attributes(const Context&, const Input&, Completion&);
  void check_if_phone_number_is_opted_out(const Context&, const Input&, Completion&);
  void list_phone_numbers_opted_out(const Context&, const Input&, Completion&);
  void opt_in_phone_number(const Context&, const Input&, Completion&);
  void get_sms_sandbox_account_status(const Context&, const Input&, Completion&);
  void list_sms_sandbox_phone_numbers(const Context&, const Input&, Completion&);
  void create_sms_sandbox_phone_number(const Context&, const Input&, Completion&);
  void delete_sms_sandbox_phone_number(const Context&, const Input&, Completion&);
  void verify_sms_sandbox_phone_number(const Context&, const Input&, Completion&);
  void list_origination_numbers(const Context&, const Input&, Completion&);
  void create_platform_application(const Context&, const Input&, Completion&);
  void list_platform_applications(const Context&, const Input&, Completion&);
  void platform_application_not_found(const Context&, const Input&, Completion&);
  void delete_platform_application(const Context&, const Input&, Completion&);
  void endpoint_not_found(const Context&, const Input&, Completion&);
  void delete_endpoint(const Context&, const Input&, Completion&);

  // --- recovery (engine_recovery.cc) ---
  void recover();
  void load_or_create_signing_key();

  store::Store& store_;
  const Clock& clock_;
  TimerQueue& timers_;
  sqs::SqsEngine& sqs_;
  SnsOptions options_;
  std::shared_ptr<Lifeline> life_;
  std::shared_ptr<const SigningKey> signing_key_;
  std::atomic<bool> signing_key_persisted_{true};
  std::atomic<bool> stopped_{false};

  mutable std::shared_mutex mutex_;                                                        // the registry
  std::map<std::string, TopicEntry, std::less<>> topics_;                                  // by ARN
  std::map<std::string, std::shared_ptr<const Subscription>, std::less<>> subscriptions_;  // by ARN
  std::unordered_map<std::string, std::string> tokens_;  // confirmation token → subscription ARN

  mutable std::mutex sms_mutex_;
  std::map<std::string, std::map<std::string, std::string>> sms_attributes_;  // by account

  // Outbox scheduling.
  mutable std::mutex outbox_mutex_;
  OutboxScheduler outbox_;
  std::uint64_t outbox_generation_ = 0;  // bumped by reset(): late completions are dropped
  std::atomic<std::uint64_t> outbox_counter_{0};
  std::atomic<bool> pump_requested_{false};
  // Set under outbox_mutex_ (with the scheduler's availability); publishes read it unlocked to
  // stage records straight into their batch.
  std::atomic<FirehoseSink*> firehose_sink_{nullptr};

  std::mutex tick_mutex_;
  TimerQueue::TimerId tick_timer_ = 0;
  std::int64_t last_prune_ms_ = 0;

  std::unique_ptr<HttpClient> http_;
};

}  // namespace fanout::services::sns
