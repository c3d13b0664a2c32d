#include "services/sns/sns_engine.h"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include "services/sns/arn.h"
#include "services/sns/engine_internal.h"
#include "services/sns/http_client.h"
#include "services/sns/sns_error.h"
#include "services/sns/topic_policy.h"

namespace fanout::services::sns {

std::string format_sequence_number(std::uint64_t seq) {
  return std::to_string(10'000'000'000'000'000'000ULL + seq);
}

// ---- lifecycle ----

SnsEngine::SnsEngine(store::Store& store, const Clock& clock, TimerQueue& timers, sqs::SqsEngine& sqs,
                     const SnsOptions& options)
    : store_(store),
      clock_(clock),
      timers_(timers),
      sqs_(sqs),
      options_(options),
      life_(std::make_shared<Lifeline>()),
      outbox_(options.max_concurrent_deliveries, options.max_concurrent_deliveries_per_subscription),
      http_(std::make_unique<HttpClient>(options.verify_https_peer)) {
  recover();
  schedule_tick();
}

SnsEngine::~SnsEngine() {
  stop();
  store_.flush();
  std::unique_lock lock(life_->mutex);
  life_->alive = false;
}

std::vector<std::string> SnsEngine::column_families() {
  return {std::string(kTopicsCf), std::string(kSubscriptionsCf), std::string(kOutboxCf),
          std::string(kStateCf)};
}

void SnsEngine::stop() {
  if (stopped_.exchange(true)) return;
  {
    std::lock_guard lock(tick_mutex_);
    if (tick_timer_) timers_.cancel(tick_timer_);
    tick_timer_ = 0;
  }
  http_->stop();
}

void SnsEngine::reset() {
  {
    std::unique_lock lock(mutex_);
    topics_.clear();
    subscriptions_.clear();
    tokens_.clear();
  }
  {
    std::lock_guard lock(sms_mutex_);
    sms_attributes_.clear();
  }
  {
    std::lock_guard lock(outbox_mutex_);
    outbox_.clear();
    ++outbox_generation_;
  }
  store::Batch batch;
  const std::string end(1, '\x7f');
  for (auto cf : {kTopicsCf, kSubscriptionsCf, kOutboxCf, kStateCf}) batch.erase_range(cf, "", end);
  // The signing key stays (certificates already handed out keep verifying); it is written back
  // with the next change in case the gateway wipes the store after this.
  batch.put(kStateCf, kSigningKeyKey, signing_key_->key_pem());
  batch.put(kStateCf, kSigningCertKey, signing_key_->cert_pem());
  if (auto status = store_.write(std::move(batch)); !status.ok) {
    spdlog::error("sns reset: store write failed: {}", status.message);
  }
  signing_key_persisted_ = false;
}

void SnsEngine::set_firehose_sink(FirehoseSink* sink) {
  {
    std::lock_guard lock(outbox_mutex_);
    firehose_sink_.store(sink, std::memory_order_release);
    outbox_.set_sink_available(sink != nullptr);
  }
  if (sink) schedule(0, [this] { pump_outbox(); });
}

std::string SnsEngine::signing_cert_pem() const { return signing_key_->cert_pem(); }

std::string SnsEngine::prometheus_metrics() const {
  std::size_t topics, subscriptions;
  {
    std::shared_lock lock(mutex_);
    topics = topics_.size();
    subscriptions = subscriptions_.size();
  }
  std::string out;
  out += "# TYPE fanout_sns_topics gauge\nfanout_sns_topics " + std::to_string(topics) + "\n";
  out += "# TYPE fanout_sns_subscriptions gauge\nfanout_sns_subscriptions " + std::to_string(subscriptions) +
         "\n";
  out += "# TYPE fanout_sns_outbox_pending gauge\nfanout_sns_outbox_pending " +
         std::to_string(outbox_size()) + "\n";
  return out;
}

std::size_t SnsEngine::outbox_size() const {
  std::lock_guard lock(outbox_mutex_);
  return outbox_.size();
}

// ---- dispatch ----

const std::map<std::string, SnsEngine::Handler, std::less<>>& SnsEngine::handlers() {
  static const std::map<std::string, Handler, std::less<>> table{
      {"AddPermission", &SnsEngine::add_permission},
      {"CheckIfPhoneNumberIsOptedOut", &SnsEngine::check_if_phone_number_is_opted_out},
      {"ConfirmSubscription", &SnsEngine::confirm_subscription},
      {"CreatePlatformApplication", &SnsEngine::create_platform_application},
      {"CreatePlatformEndpoint", &SnsEngine::platform_application_not_found},
      {"CreateSMSSandboxPhoneNumber", &SnsEngine::create_sms_sandbox_phone_number},
      {"CreateTopic", &SnsEngine::create_topic},
      {"DeleteEndpoint", &SnsEngine::delete_endpoint},
      {"DeletePlatformApplication", &SnsEngine::delete_platform_application},
      {"DeleteSMSSandboxPhoneNumber", &SnsEngine::delete_sms_sandbox_phone_number},
      {"DeleteTopic", &SnsEngine::delete_topic},
      {"GetDataProtectionPolicy", &SnsEngine::get_data_protection_policy},
      {"GetEndpointAttributes", &SnsEngine::endpoint_not_found},
      {"GetPlatformApplicationAttributes", &SnsEngine::platform_application_not_found},
      {"GetSMSAttributes", &SnsEngine::get_sms_attributes},
      {"GetSMSSandboxAccountStatus", &SnsEngine::get_sms_sandbox_account_status},
      {"GetSubscriptionAttributes", &SnsEngine::get_subscription_attributes},
      {"GetTopicAttributes", &SnsEngine::get_topic_attributes},
      {"ListEndpointsByPlatformApplication", &SnsEngine::platform_application_not_found},
      {"ListOriginationNumbers", &SnsEngine::list_origination_numbers},
      {"ListPhoneNumbersOptedOut", &SnsEngine::list_phone_numbers_opted_out},
      {"ListPlatformApplications", &SnsEngine::list_platform_applications},
      {"ListSMSSandboxPhoneNumbers", &SnsEngine::list_sms_sandbox_phone_numbers},
      {"ListSubscriptions", &SnsEngine::list_subscriptions},
      {"ListSubscriptionsByTopic", &SnsEngine::list_subscriptions_by_topic},
      {"ListTagsForResource", &SnsEngine::list_tags_for_resource},
      {"ListTopics", &SnsEngine::list_topics},
      {"OptInPhoneNumber", &SnsEngine::opt_in_phone_number},
      {"Publish", &SnsEngine::publish},
      {"PublishBatch", &SnsEngine::publish_batch},
      {"PutDataProtectionPolicy", &SnsEngine::put_data_protection_policy},
      {"RemovePermission", &SnsEngine::remove_permission},
      {"SetEndpointAttributes", &SnsEngine::endpoint_not_found},
      {"SetPlatformApplicationAttributes", &SnsEngine::platform_application_not_found},
      {"SetSMSAttributes", &SnsEngine::set_sms_attributes},
      {"SetSubscriptionAttributes", &SnsEngine::set_subscription_attributes},
      {"SetTopicAttributes", &SnsEngine::set_topic_attributes},
      {"Subscribe", &SnsEngine::subscribe},
      {"TagResource", &SnsEngine::tag_resource},
      {"Unsubscribe", &SnsEngine::unsubscribe},
      {"UntagResource", &SnsEngine::untag_resource},
      {"VerifySMSSandboxPhoneNumber", &SnsEngine::verify_sms_sandbox_phone_number},
  };
  return table;
}

void SnsEngine::invoke(const Context& context, const std::string& operation, Input input, Completion done) {
  auto it = handlers().find(operation);
  if (it == handlers().end()) {
    done(protocol::ServiceError::make("InvalidAction",
                                      "The action " + operation + " is not valid for this endpoint."));
    return;
  }
  try {
    (this->*(it->second))(context, input, done);
  } catch (const SnsError& error) {
    // Handlers throw only before handing `done` on.
    if (done) done(error.error());
  } catch (const std::exception& error) {
    if (done) done(errors::internal(error.what()).error());
  }
}

void SnsEngine::commit(store::Batch batch, std::function<void(const store::Status&)> then) {
  store_.commit(std::move(batch), [life = life_, then = std::move(then)](const store::Status& status) {
    life->run([&] { then(status); });
  });
}

TimerQueue::TimerId SnsEngine::schedule(std::int64_t delay_ms, std::function<void()> fn) {
  return timers_.schedule(delay_ms, [life = life_, fn = std::move(fn)] { life->run(fn); });
}

void SnsEngine::schedule_tick() {
  std::lock_guard lock(tick_mutex_);
  if (stopped_) return;
  tick_timer_ = schedule(options_.tick_interval_ms, [this] {
    tick();
    schedule_tick();
  });
}

void SnsEngine::answer(Completion& done, const store::Status& status, boost::json::object result) {
  if (status.ok) {
    done(std::move(result));
  } else {
    done(errors::internal(status.message).error());
  }
}

void SnsEngine::tick() {
  pump_outbox();
  // Forget FIFO deduplication entries past their window, about once a minute.
  const std::int64_t t = now();
  {
    std::lock_guard lock(tick_mutex_);
    if (t - last_prune_ms_ < 60'000) return;
    last_prune_ms_ = t;
  }
  std::vector<std::pair<std::string, std::shared_ptr<FifoState>>> fifo_topics;
  {
    std::shared_lock lock(mutex_);
    for (const auto& [arn, entry] : topics_) {
      if (entry.fifo) fifo_topics.emplace_back(arn, entry.fifo);
    }
  }
  store::Batch batch;
  for (auto& [arn, fifo] : fifo_topics) {
    std::lock_guard lock(fifo->mutex);
    for (auto it = fifo->dedup.begin(); it != fifo->dedup.end();) {
      if (it->second.expires_ms <= t) {
        batch.erase(kStateCf, dedup_store_key(arn, it->first));
        it = fifo->dedup.erase(it);
      } else {
        ++it;
      }
    }
  }
  if (!batch.empty()) commit(std::move(batch), [](const store::Status&) {});
}

// ---- lookups ----

SnsEngine::TopicEntry SnsEngine::find_topic_locked(const Context& context, std::string_view arn,
                                                   std::string_view action,
                                                   std::string_view parameter) const {
  auto name = parse_topic_arn(arn);
  if (!name) throw errors::invalid_parameter(std::string(parameter));
  auto it = topics_.find(arn);
  if (it == topics_.end()) throw errors::not_found("Topic does not exist");
  const auto& topic = *it->second.topic;
  if (!action.empty() && topic.account != context.account_id) {
    PolicyCaller caller{context.account_id, {}, {}, {}};
    if (!topic_policy_allows(topic.attribute("Policy"), action, caller, topic.arn)) {
      throw errors::not_authorized(context.account_id, action, topic.arn);
    }
  }
  return it->second;
}

std::optional<SnsEngine::SubscriptionActivity> SnsEngine::subscription_activity(std::string_view arn) const {
  std::shared_lock lock(mutex_);
  auto subscription = find_subscription_locked(arn);
  if (!subscription) return std::nullopt;
  return SubscriptionActivity{subscription->counters->delivered.load(std::memory_order_relaxed),
                              subscription->counters->failed.load(std::memory_order_relaxed)};
}

std::shared_ptr<const Subscription> SnsEngine::find_subscription_locked(std::string_view arn) const {
  auto it = subscriptions_.find(arn);
  return it == subscriptions_.end() ? nullptr : it->second;
}

std::string SnsEngine::service_url(const Context& context) {
  if (context.host.empty()) return "http://localhost:4566";
  return (context.scheme.empty() ? std::string("http") : context.scheme) + "://" + context.host;
}

std::string SnsEngine::signing_cert_url(std::string_view base) const {
  return std::string(base) + std::string(kSigningCertPath);
}

std::string SnsEngine::unsubscribe_url(const Subscription& subscription) {
  return subscription.service_url + "/?Action=Unsubscribe&SubscriptionArn=" + subscription.arn;
}

void SnsEngine::rebuild_subscription_list_locked(const std::string& topic_arn) {
  auto it = topics_.find(topic_arn);
  if (it == topics_.end()) return;
  auto list = std::make_shared<SubscriptionList>();
  const std::string prefix = topic_arn + ":";
  for (auto s = subscriptions_.lower_bound(prefix); s != subscriptions_.end() && s->first.starts_with(prefix);
       ++s) {
    list->push_back(s->second);
  }
  it->second.subscriptions = std::move(list);
}

void SnsEngine::count_subscriptions_locked(const std::string& topic_arn, std::size_t& confirmed,
                                           std::size_t& pending) const {
  confirmed = pending = 0;
  auto it = topics_.find(topic_arn);
  if (it == topics_.end()) return;
  for (const auto& s : *it->second.subscriptions) (s->confirmed ? confirmed : pending)++;
}

bool SnsEngine::caller_may_manage(const Context& context, const Subscription& subscription) const {
  if (context.account_id == subscription.owner) return true;
  auto it = topics_.find(subscription.topic_arn);
  return it != topics_.end() && it->second.topic->account == context.account_id;
}

}  // namespace fanout::services::sns
