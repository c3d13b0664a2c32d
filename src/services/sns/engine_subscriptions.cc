// Subscriptions: Subscribe, ConfirmSubscription, Unsubscribe, ListSubscriptions(ByTopic) and
// Get/SetSubscriptionAttributes, with the confirmation messages HTTP/S endpoints and SQS queues of
// other accounts receive.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json.hpp>

#include "common/crypto.h"
#include "common/iso8601.h"
#include "services/sns/arn.h"
#include "services/sns/delivery_policy.h"
#include "services/sns/engine_internal.h"
#include "services/sns/input.h"
#include "services/sns/message_envelope.h"
#include "services/sns/pagination.h"
#include "services/sns/sns_error.h"

namespace fanout::services::sns {

namespace json = boost::json;

namespace {

bool starts_with_ignore_case(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[i])) != prefix[i]) return false;
  }
  return true;
}

void validate_endpoint(std::string_view protocol, std::string_view endpoint) {
  if (protocol == "http" || protocol == "https") {
    const std::string scheme = std::string(protocol) + "://";
    if (!starts_with_ignore_case(endpoint, scheme) || endpoint.size() == scheme.size()) {
      throw errors::invalid_parameter("Endpoint Reason: Endpoint must match the specified protocol");
    }
  } else if (protocol == "sqs") {
    if (!parse_queue_arn(endpoint)) throw errors::invalid_parameter("SQS endpoint ARN");
  } else if (protocol == "firehose") {
    if (!is_firehose_stream_arn(endpoint)) {
      throw errors::invalid_parameter("Endpoint Reason: Invalid Amazon Data Firehose delivery stream ARN");
    }
  }
}

std::string new_token() { return crypto::hex(crypto::random_bytes(64)); }

}  // namespace

json::object SnsEngine::subscription_summary(const Subscription& s) {
  return json::object{{"SubscriptionArn", s.confirmed ? s.arn : std::string("PendingConfirmation")},
                      {"Owner", s.owner},
                      {"Protocol", s.protocol},
                      {"Endpoint", s.endpoint},
                      {"TopicArn", s.topic_arn}};
}

void SnsEngine::stage_confirmation(const Topic& topic, const Subscription& subscription,
                                   std::string_view type, store::Batch& batch, sqs::StagedSends& staged,
                                   std::vector<OutboxEntry>& outbox) {
  const std::int64_t t = now();
  ConfirmationFields fields;
  fields.type = std::string(type);
  fields.message_id = crypto::uuid_v4();
  fields.token = subscription.token;
  fields.topic_arn = topic.arn;
  if (type == "SubscriptionConfirmation") {
    fields.message = "You have chosen to subscribe to the topic " + topic.arn +
                     ".\nTo confirm the subscription, visit the SubscribeURL included in this message.";
  } else {
    fields.message =
        "You have chosen to deactivate subscription " + subscription.arn +
        ".\nTo cancel this operation and restore the subscription, visit the SubscribeURL included in "
        "this message.";
  }
  fields.subscribe_url = subscription.service_url + "/?Action=ConfirmSubscription&TopicArn=" + topic.arn +
                         "&Token=" + subscription.token;
  fields.timestamp = iso8601_ms(t);
  const auto version = topic.signature_version();
  SignatureFields signature{version, signing_key_->sign(confirmation_string_to_sign(fields), version),
                            signing_cert_url(subscription.service_url)};
  auto body = confirmation_json(fields, signature);

  if (subscription.protocol == "sqs") {
    sqs::SendRequest request;
    request.body = std::move(body);
    sqs::SendCaller caller{topic.account, std::string(kSnsSenderId), std::string(kSnsPrincipal), topic.arn,
                           topic.account};
    auto outcome = sqs_.stage_send(caller, subscription.endpoint, std::move(request), batch, staged);
    if (auto* error = std::get_if<protocol::ServiceError>(&outcome)) {
      spdlog::info("sns: {} for {} not delivered to {}: {}", type, subscription.arn, subscription.endpoint,
                   error->message);
    }
    return;
  }
  OutboxEntry entry;
  entry.id = next_outbox_id();
  entry.kind = OutboxEntry::Kind::http;
  entry.subscription_arn = subscription.arn;
  entry.topic_arn = topic.arn;
  entry.account = topic.account;
  entry.endpoint = subscription.endpoint;
  entry.message_type = std::string(type);
  entry.message_id = fields.message_id;
  entry.body = std::move(body);
  entry.retry =
      effective_http_policy(subscription.attribute("DeliveryPolicy"), topic.attribute("DeliveryPolicy"))
          .retry;
  entry.needs_subscription = type == "SubscriptionConfirmation";
  entry.created_ms = t;
  entry.due_ms = t;
  batch.put(kOutboxCf, entry.id, entry.serialize());
  outbox.push_back(std::move(entry));
}

void SnsEngine::subscribe(const Context& context, const Input& in, Completion& done) {
  const auto topic_arn = input::require_string(in, "TopicArn");
  const auto protocol = input::require_string(in, "Protocol");
  const auto endpoint = input::opt_string(in, "Endpoint").value_or(std::string());
  const auto given = input::string_map(in, "Attributes");
  const bool return_arn = input::opt_bool(in, "ReturnSubscriptionArn", false);

  if (!is_known_protocol(protocol)) {
    throw errors::invalid_parameter("Amazon SNS does not support this protocol string: " + protocol);
  }
  if (!is_delivered_protocol(protocol)) {
    throw errors::invalid_parameter("Protocol Reason: fanoutd does not deliver to " + protocol +
                                    " endpoints (supported: sqs, http, https, firehose)");
  }
  validate_endpoint(protocol, endpoint);

  std::unique_lock lock(mutex_);
  auto entry = find_topic_locked(context, topic_arn, "Subscribe");
  const Topic& topic = *entry.topic;

  std::optional<QueueName> queue;
  if (protocol == "sqs") {
    queue = parse_queue_arn(endpoint);
    if (topic.fifo && !queue->fifo())
      throw errors::invalid_parameter("Endpoint Reason: Please use FIFO SQS queue");
    if (!topic.fifo && queue->fifo()) {
      throw errors::invalid_parameter(
          "Endpoint Reason: FIFO SQS Queues can not be subscribed to standard SNS topics");
    }
  } else if (topic.fifo) {
    throw errors::invalid_parameter(
        "Endpoint Reason: FIFO topics support only Amazon SQS FIFO queue subscriptions");
  }
  const bool large = topic.maximum_message_size() > kDefaultMaximumMessageSize;
  if (large && protocol != "sqs" && protocol != "firehose") {
    throw errors::invalid_parameter(
        "Protocol Reason: Topics with a MaximumMessageSize above 262144 support only "
        "Amazon SQS, Amazon Data Firehose and AWS Lambda subscriptions");
  }

  // Attributes: the scope first, since it decides how FilterPolicy is read.
  std::string scope;
  for (const auto& [key, value] : given) {
    if (key == "FilterPolicyScope") scope = value;
  }
  std::map<std::string, std::string, std::less<>> attributes;
  for (const auto& [key, value] : given) {
    auto stored = validate_subscription_attribute(key, value, protocol, topic.fifo, true, scope);
    if (!stored.empty()) attributes[key] = std::move(stored);
  }
  if (protocol == "firehose" && !attributes.contains("SubscriptionRoleArn")) {
    throw errors::invalid_parameter(
        "Attributes Reason: SubscriptionRoleArn is required for firehose subscriptions");
  }

  // Subscribing the same endpoint again answers the existing subscription.
  for (const auto& existing : *entry.subscriptions) {
    if (existing->protocol != protocol || existing->endpoint != endpoint) continue;
    bool same = true;
    for (const auto& [key, value] : attributes) same = same && existing->attribute(key) == value;
    if (!same)
      throw errors::invalid_parameter(
          "Attributes Reason: Subscription already exists with different attributes");
    auto arn = existing->confirmed || return_arn ? existing->arn : std::string("pending confirmation");
    lock.unlock();
    done(json::object{{"SubscriptionArn", arn}});
    return;
  }
  const auto count = entry.subscriptions->size();
  if (topic.fifo && count >= kMaxSubscriptionsPerFifoTopic) throw errors::subscription_limit_exceeded();
  if (large && count >= kMaxSubscriptionsPerLargeMessageTopic) {
    throw errors::invalid_parameter(
        "Topics with a MaximumMessageSize above 262144 support up to 100 subscriptions");
  }
  if (count >= kMaxSubscriptionsPerTopic) throw errors::subscription_limit_exceeded();
  if (attributes.contains("FilterPolicy")) {
    auto filters = std::count_if(entry.subscriptions->begin(), entry.subscriptions->end(),
                                 [](const auto& s) { return !s->attribute("FilterPolicy").empty(); });
    if (static_cast<std::size_t>(filters) >= kMaxFilterPoliciesPerTopic)
      throw errors::filter_policy_limit_exceeded();
  }

  auto subscription = std::make_shared<Subscription>();
  subscription->arn = topic_arn + ":" + crypto::uuid_v4();
  subscription->topic_arn = topic_arn;
  subscription->owner = context.account_id;
  subscription->protocol = protocol;
  subscription->endpoint = endpoint;
  subscription->service_url = service_url(context);
  subscription->attributes = std::move(attributes);
  subscription->created_ms = now();
  if (protocol == "firehose" || (queue && queue->account == context.account_id)) {
    subscription->confirmed = true;
    subscription->confirmation_authenticated = true;
  } else {
    subscription->token = new_token();
    subscription->token_expires_ms = now() + kTokenLifetimeMs;
  }
  subscription->finish();

  store::Batch batch;
  auto staged = std::make_shared<sqs::StagedSends>();
  std::vector<OutboxEntry> outbox;
  batch.put(kSubscriptionsCf, subscription->arn, json::serialize(subscription->to_record()));
  if (!subscription->confirmed) {
    stage_confirmation(topic, *subscription, "SubscriptionConfirmation", batch, *staged, outbox);
    tokens_[subscription->token] = subscription->arn;
  }
  subscriptions_[subscription->arn] = subscription;
  rebuild_subscription_list_locked(topic_arn);
  const auto answer_arn =
      subscription->confirmed || return_arn ? subscription->arn : std::string("pending confirmation");
  commit(std::move(batch), [this, staged, outbox = std::move(outbox), done = std::move(done),
                            answer_arn](const store::Status& status) mutable {
    sqs_.finish_staged(std::move(*staged), status);
    if (status.ok) enqueue_outbox(outbox);
    answer(done, status, json::object{{"SubscriptionArn", answer_arn}});
  });
}

void SnsEngine::confirm_subscription(const Context& context, const Input& in, Completion& done) {
  const auto topic_arn = input::require_string(in, "TopicArn");
  const auto token = input::require_string(in, "Token");
  const bool authenticate = input::opt_string(in, "AuthenticateOnUnsubscribe").value_or("") == "true";
  std::unique_lock lock(mutex_);
  // Anyone holding the token may confirm (the SubscribeURL works without credentials).
  find_topic_locked(context, topic_arn, "");
  auto token_it = tokens_.find(token);
  auto subscription = token_it == tokens_.end() ? nullptr : find_subscription_locked(token_it->second);
  if (!subscription || subscription->topic_arn != topic_arn) throw errors::invalid_parameter("Token");
  if (subscription->confirmed) {
    lock.unlock();
    done(json::object{{"SubscriptionArn", subscription->arn}});
    return;
  }
  if (now() > subscription->token_expires_ms) throw errors::invalid_parameter("Token");
  auto confirmed = std::make_shared<Subscription>(*subscription);
  confirmed->confirmed = true;
  confirmed->confirmation_authenticated = !context.access_key_id.empty();
  confirmed->authenticate_on_unsubscribe = authenticate && confirmed->confirmation_authenticated;
  store::Batch batch;
  batch.put(kSubscriptionsCf, confirmed->arn, json::serialize(confirmed->to_record()));
  subscriptions_[confirmed->arn] = confirmed;
  rebuild_subscription_list_locked(topic_arn);
  commit(std::move(batch),
         [done = std::move(done), arn = confirmed->arn](const store::Status& status) mutable {
           answer(done, status, json::object{{"SubscriptionArn", arn}});
         });
}

void SnsEngine::unsubscribe(const Context& context, const Input& in, Completion& done) {
  const auto arn = input::require_string(in, "SubscriptionArn");
  if (!topic_of_subscription_arn(arn)) throw errors::invalid_parameter("SubscriptionArn");
  std::unique_lock lock(mutex_);
  auto subscription = find_subscription_locked(arn);
  if (!subscription) throw errors::not_found("Subscription does not exist");
  // The UnsubscribeURL works without credentials unless the subscriber asked otherwise
  // (AuthenticateOnUnsubscribe): then only a signed request of the subscription's or the topic's
  // owner may. An unsigned request's account (the gateway may take it from the ARN) proves nothing.
  const bool authenticated = !context.access_key_id.empty();
  const bool allowed =
      authenticated ? caller_may_manage(context, *subscription) : !subscription->authenticate_on_unsubscribe;
  if (!allowed) {
    throw errors::authorization("User: arn:aws:iam::" + context.account_id +
                                ":root is not authorized to perform: SNS:Unsubscribe on resource: " + arn);
  }
  store::Batch batch;
  auto staged = std::make_shared<sqs::StagedSends>();
  std::vector<OutboxEntry> outbox;
  batch.erase(kSubscriptionsCf, arn);
  if (auto topic_it = topics_.find(subscription->topic_arn); topic_it != topics_.end()) {
    auto topic = std::make_shared<Topic>(*topic_it->second.topic);
    ++topic->subscriptions_deleted;
    batch.put(kTopicsCf, topic->arn, json::serialize(topic->to_record()));
    if (subscription->confirmed && (subscription->protocol == "http" || subscription->protocol == "https")) {
      auto copy = *subscription;
      if (copy.token.empty()) copy.token = new_token();
      stage_confirmation(*topic, copy, "UnsubscribeConfirmation", batch, *staged, outbox);
    }
    topic_it->second.topic = std::move(topic);
  }
  if (!subscription->token.empty()) tokens_.erase(subscription->token);
  subscriptions_.erase(arn);
  rebuild_subscription_list_locked(subscription->topic_arn);
  commit(std::move(batch), [this, staged, outbox = std::move(outbox),
                            done = std::move(done)](const store::Status& status) mutable {
    sqs_.finish_staged(std::move(*staged), status);
    if (status.ok) enqueue_outbox(outbox);
    answer(done, status);
  });
}

void SnsEngine::list_subscriptions(const Context& context, const Input& in, Completion& done) {
  std::string after;
  if (auto token = input::opt_string(in, "NextToken"); token && !token->empty()) {
    auto decoded = decode_next_token(*token);
    if (!decoded) throw errors::invalid_parameter("NextToken");
    after = *decoded;
  }
  const std::string region_prefix = "arn:aws:sns:" + context.region + ":";
  json::array list;
  std::optional<std::string> next;
  {
    std::shared_lock lock(mutex_);
    auto it = after.empty() ? subscriptions_.lower_bound(region_prefix) : subscriptions_.upper_bound(after);
    std::string last;
    for (; it != subscriptions_.end() && it->first.starts_with(region_prefix); ++it) {
      if (it->second->owner != context.account_id) continue;
      if (list.size() == kPageSize) {
        next = encode_next_token(last);
        break;
      }
      list.push_back(subscription_summary(*it->second));
      last = it->first;
    }
  }
  json::object result{{"Subscriptions", std::move(list)}};
  if (next) result["NextToken"] = *next;
  done(std::move(result));
}

void SnsEngine::list_subscriptions_by_topic(const Context& context, const Input& in, Completion& done) {
  const auto topic_arn = input::require_string(in, "TopicArn");
  std::string after;
  if (auto token = input::opt_string(in, "NextToken"); token && !token->empty()) {
    auto decoded = decode_next_token(*token);
    if (!decoded) throw errors::invalid_parameter("NextToken");
    after = *decoded;
  }
  json::array list;
  std::optional<std::string> next;
  {
    std::shared_lock lock(mutex_);
    find_topic_locked(context, topic_arn, "ListSubscriptionsByTopic");
    const std::string prefix = topic_arn + ":";
    auto it = after.empty() ? subscriptions_.lower_bound(prefix) : subscriptions_.upper_bound(after);
    std::string last;
    for (; it != subscriptions_.end() && it->first.starts_with(prefix); ++it) {
      if (list.size() == kPageSize) {
        next = encode_next_token(last);
        break;
      }
      list.push_back(subscription_summary(*it->second));
      last = it->first;
    }
  }
  json::object result{{"Subscriptions", std::move(list)}};
  if (next) result["NextToken"] = *next;
  done(std::move(result));
}

void SnsEngine::get_subscription_attributes(const Context& context, const Input& in, Completion& done) {
  const auto arn = input::require_string(in, "SubscriptionArn");
  if (!topic_of_subscription_arn(arn)) throw errors::invalid_parameter("SubscriptionArn");
  json::object attributes;
  {
    std::shared_lock lock(mutex_);
    auto s = find_subscription_locked(arn);
    if (!s) throw errors::not_found("Subscription does not exist");
    if (!caller_may_manage(context, *s)) {
      throw errors::authorization(
          "User: arn:aws:iam::" + context.account_id +
          ":root is not authorized to perform: SNS:GetSubscriptionAttributes on resource: " + arn);
    }
    std::string topic_policy;
    if (auto t = topics_.find(s->topic_arn); t != topics_.end())
      topic_policy = t->second.topic->attribute("DeliveryPolicy");
    attributes["ConfirmationWasAuthenticated"] = s->confirmation_authenticated ? "true" : "false";
    attributes["PendingConfirmation"] = s->confirmed ? "false" : "true";
    attributes["Owner"] = s->owner;
    attributes["RawMessageDelivery"] = s->raw ? "true" : "false";
    attributes["SubscriptionArn"] = s->arn;
    attributes["TopicArn"] = s->topic_arn;
    attributes["Endpoint"] = s->endpoint;
    attributes["Protocol"] = s->protocol;
    attributes["EffectiveDeliveryPolicy"] =
        effective_subscription_delivery_policy(s->attribute("DeliveryPolicy"), topic_policy);
    for (const auto& [key, value] : s->attributes) {
      if (key != "RawMessageDelivery") attributes[key] = value;
    }
    if (!s->attribute("FilterPolicy").empty() && !attributes.contains("FilterPolicyScope")) {
      attributes["FilterPolicyScope"] = "MessageAttributes";
    }
  }
  done(json::object{{"Attributes", std::move(attributes)}});
}

void SnsEngine::set_subscription_attributes(const Context& context, const Input& in, Completion& done) {
  const auto arn = input::require_string(in, "SubscriptionArn");
  const auto name = input::require_string(in, "AttributeName");
  const auto value = input::opt_string(in, "AttributeValue").value_or(std::string());
  if (!topic_of_subscription_arn(arn)) throw errors::invalid_parameter("SubscriptionArn");
  std::unique_lock lock(mutex_);
  auto current = find_subscription_locked(arn);
  if (!current) throw errors::not_found("Subscription does not exist");
  if (!caller_may_manage(context, *current)) {
    throw errors::authorization(
        "User: arn:aws:iam::" + context.account_id +
        ":root is not authorized to perform: SNS:SetSubscriptionAttributes on resource: " + arn);
  }
  auto topic_it = topics_.find(current->topic_arn);
  if (topic_it == topics_.end()) throw errors::not_found("Topic does not exist");
  const bool fifo = topic_it->second.topic->fifo;
  auto updated = std::make_shared<Subscription>(*current);
  if (name == "FilterPolicyScope") {
    auto stored = validate_subscription_attribute(name, value, current->protocol, fifo, false, value);
    // The policy in place must be valid under the new scope.
    if (auto policy = current->attribute("FilterPolicy"); !policy.empty()) {
      validate_subscription_attribute("FilterPolicy", policy, current->protocol, fifo, false, value);
    }
    updated->attributes[name] = stored;
  } else {
    auto stored = validate_subscription_attribute(name, value, current->protocol, fifo, false,
                                                  current->attribute("FilterPolicyScope"));
    if (stored.empty()) {
      updated->attributes.erase(name);
    } else {
      if (name == "FilterPolicy" && current->attribute("FilterPolicy").empty()) {
        const auto& list = *topic_it->second.subscriptions;
        auto filters = std::count_if(list.begin(), list.end(),
                                     [](const auto& s) { return !s->attribute("FilterPolicy").empty(); });
        if (static_cast<std::size_t>(filters) >= kMaxFilterPoliciesPerTopic)
          throw errors::filter_policy_limit_exceeded();
      }
      updated->attributes[name] = std::move(stored);
    }
  }
  updated->finish();
  store::Batch batch;
  batch.put(kSubscriptionsCf, arn, json::serialize(updated->to_record()));
  subscriptions_[arn] = updated;
  rebuild_subscription_list_locked(updated->topic_arn);
  commit(std::move(batch),
         [done = std::move(done)](const store::Status& status) mutable { answer(done, status); });
}

}  // namespace fanout::services::sns
