// Recovery: rebuilds the registry, FIFO state, SMS settings and the outbox schedule from the
// store, and loads (or creates, at first start) the signing key.
#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include "services/sns/engine_internal.h"

namespace fanout::services::sns {

namespace json = boost::json;

void SnsEngine::load_or_create_signing_key() {
  auto key = store_.get(kStateCf, kSigningKeyKey);
  auto cert = store_.get(kStateCf, kSigningCertKey);
  if (key && cert) {
    try {
      signing_key_ = SigningKey::from_pem(*key, *cert);
      return;
    } catch (const std::exception& error) {
      spdlog::error("sns: {}; generating a new signing key", error.what());
    }
  }
  signing_key_ = SigningKey::generate(options_.signing_key_bits);
  store::Batch batch;
  batch.put(kStateCf, kSigningKeyKey, signing_key_->key_pem());
  batch.put(kStateCf, kSigningCertKey, signing_key_->cert_pem());
  if (auto status = store_.write(std::move(batch)); !status.ok) {
    throw std::runtime_error("sns: cannot persist the signing key: " + status.message);
  }
}

void SnsEngine::recover() {
  load_or_create_signing_key();
  const std::int64_t t = now();
  store::Batch cleanup;

  store_.scan(kTopicsCf, "", [&](std::string_view key, std::string_view value) {
    try {
      auto topic = std::make_shared<Topic>(Topic::from_record(json::parse(value).as_object()));
      auto fifo = topic->fifo ? std::make_shared<FifoState>() : nullptr;
      topics_[topic->arn] = TopicEntry{topic, std::make_shared<SubscriptionList>(), std::move(fifo)};
    } catch (const std::exception& error) {
      spdlog::error("sns: skipping unreadable topic record {}: {}", key, error.what());
    }
    return true;
  });

  store_.scan(kSubscriptionsCf, "", [&](std::string_view key, std::string_view value) {
    try {
      auto subscription =
          std::make_shared<Subscription>(Subscription::from_record(json::parse(value).as_object()));
      if (!topics_.contains(subscription->topic_arn)) {
        cleanup.erase(kSubscriptionsCf, key);  // its topic was deleted
        return true;
      }
      if (!subscription->token.empty()) tokens_[subscription->token] = subscription->arn;
      subscriptions_[subscription->arn] = std::move(subscription);
    } catch (const std::exception& error) {
      spdlog::error("sns: skipping unreadable subscription record {}: {}", key, error.what());
    }
    return true;
  });
  for (auto& [arn, entry] : topics_) rebuild_subscription_list_locked(arn);

  store_.scan(kStateCf, "seq/", [&](std::string_view key, std::string_view value) {
    auto it = topics_.find(key.substr(4));
    if (it != topics_.end() && it->second.fifo) {
      try {
        it->second.fifo->last_seq = std::stoull(std::string(value));
      } catch (...) {
      }
    }
    return true;
  });
  store_.scan(kStateCf, "dedup/", [&](std::string_view key, std::string_view value) {
    auto rest = key.substr(6);
    auto newline = rest.find('\n');
    if (newline == std::string_view::npos) return true;
    auto it = topics_.find(rest.substr(0, newline));
    try {
      auto record = json::parse(value).as_object();
      FifoState::Dedup dedup{std::string(record.at("message_id").as_string()),
                             std::string(record.at("sequence_number").as_string()),
                             record.at("expires_ms").to_number<std::int64_t>()};
      if (it == topics_.end() || !it->second.fifo || dedup.expires_ms <= t) {
        cleanup.erase(kStateCf, key);
      } else {
        it->second.fifo->dedup[std::string(rest.substr(newline + 1))] = std::move(dedup);
      }
    } catch (...) {
      cleanup.erase(kStateCf, key);
    }
    return true;
  });
  store_.scan(kStateCf, "sms/", [&](std::string_view key, std::string_view value) {
    try {
      auto& settings = sms_attributes_[std::string(key.substr(4))];
      auto record = json::parse(value);
      for (const auto& [k, v] : record.as_object()) settings[std::string(k)] = std::string(v.as_string());
    } catch (...) {
    }
    return true;
  });

  std::size_t pending = 0;
  store_.scan(kOutboxCf, "", [&](std::string_view key, std::string_view value) {
    try {
      auto entry = OutboxEntry::parse(value);
      outbox_.add({entry.id, entry.kind, entry.subscription_arn}, entry.due_ms);
      ++pending;
    } catch (const std::exception& error) {
      spdlog::error("sns: dropping unreadable outbox entry {}: {}", key, error.what());
      cleanup.erase(kOutboxCf, key);
    }
    return true;
  });
  if (!cleanup.empty()) {
    if (auto status = store_.write(std::move(cleanup)); !status.ok) {
      spdlog::warn("sns: recovery cleanup failed: {}", status.message);
    }
  }
  if (!topics_.empty() || pending) {
    spdlog::info("sns: recovered {} topics, {} subscriptions, {} pending deliveries", topics_.size(),
                 subscriptions_.size(), pending);
  }
}

}  // namespace fanout::services::sns
