// The outbox: HTTP/S and Firehose deliveries, persisted until delivered or dead-lettered. Due
// entries are attempted by the timer thread (at most max_concurrent_deliveries at once); each
// outcome is written back (erased, rescheduled with backoff, or moved to the subscription's
// dead-letter queue in the same batch that erases it).
#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <cstdio>

#include "common/crypto.h"
#include "services/sns/engine_internal.h"
#include "services/sns/http_client.h"

namespace fanout::services::sns {

std::string SnsEngine::next_outbox_id() {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%012llx%08llx", static_cast<unsigned long long>(now()),
                static_cast<unsigned long long>(outbox_counter_.fetch_add(1) & 0xffffffffULL));
  return std::string(buf) + crypto::hex(crypto::random_bytes(4));
}

void SnsEngine::enqueue_outbox(const std::vector<OutboxEntry>& entries) {
  if (entries.empty()) return;
  {
    std::lock_guard lock(outbox_mutex_);
    for (const auto& e : entries) outbox_.add({e.id, e.kind, e.subscription_arn}, e.due_ms);
  }
  request_pump();
}

void SnsEngine::request_pump() {
  if (stopped_ || pump_requested_.exchange(true)) return;
  schedule(0, [this] {
    pump_requested_ = false;
    pump_outbox();
  });
}

void SnsEngine::pump_outbox() {
  if (stopped_) return;
  std::vector<OutboxScheduler::Ref> ready;
  std::uint64_t generation;
  {
    std::lock_guard lock(outbox_mutex_);
    generation = outbox_generation_;
    ready = outbox_.take_due(now());
  }
  for (const auto& ref : ready) attempt(ref, generation);
}

void SnsEngine::attempt_ended(const OutboxScheduler::Ref& ref) {
  {
    std::lock_guard lock(outbox_mutex_);
    outbox_.finished(ref);
  }
  request_pump();
}

void SnsEngine::attempt(const OutboxScheduler::Ref& ref, std::uint64_t generation) {
  const std::string& id = ref.id;
  auto release = [&] { attempt_ended(ref); };
  auto text = store_.get(kOutboxCf, id);
  if (!text) return release();
  OutboxEntry entry;
  try {
    entry = OutboxEntry::parse(*text);
  } catch (const std::exception& error) {
    spdlog::error("sns: dropping corrupt outbox entry {}: {}", id, error.what());
    erase_outbox(id);
    return release();
  }
  if (entry.needs_subscription) {
    std::shared_lock lock(mutex_);
    auto subscription = find_subscription_locked(entry.subscription_arn);
    // Deliveries to a subscription that is gone (or no longer confirmed) are dropped.
    if (!subscription || (entry.message_type == "Notification" && !subscription->confirmed)) {
      lock.unlock();
      erase_outbox(id);
      return release();
    }
  }

  if (entry.kind == OutboxEntry::Kind::http) {
    HttpClient::Request request;
    request.url = entry.endpoint;
    request.timeout = options_.http_timeout;
    request.headers = {{"x-amz-sns-message-type", entry.message_type},
                       {"x-amz-sns-message-id", entry.message_id},
                       {"x-amz-sns-topic-arn", entry.topic_arn}};
    if (entry.message_type != "SubscriptionConfirmation") {
      request.headers.emplace_back("x-amz-sns-subscription-arn", entry.subscription_arn);
    }
    if (entry.raw) request.headers.emplace_back("x-amz-sns-rawdelivery", "true");
    request.headers.emplace_back("Content-Type", entry.content_type);
    request.headers.emplace_back("User-Agent", "Amazon Simple Notification Service Agent");
    request.body = entry.body;
    http_->post(std::move(request), [this, life = life_, generation,
                                     entry = std::move(entry)](HttpClient::Response response) mutable {
      life->run([&] {
        const bool delivered = response.status >= 200 && response.status < 300;
        // 4xx other than 429 is the endpoint refusing the message: not retried.
        const bool permanent = response.status >= 400 && response.status < 500 && response.status != 429;
        std::string error =
            response.status ? "HTTP status " + std::to_string(response.status) : response.error;
        attempt_finished(std::move(entry), generation, delivered, permanent, error);
      });
    });
    return;
  }

  FirehoseSink* sink;
  {
    std::lock_guard lock(outbox_mutex_);
    sink = firehose_sink_.load(std::memory_order_acquire);
    if (!sink) {
      // The sink went away since the pump: park the delivery until one is set again.
      outbox_.finished(ref);
      outbox_.add(ref, 0);
      return;
    }
  }
  auto account = entry.account, stream = entry.endpoint, role = entry.role_arn, data = entry.body;
  sink->put_record(
      account, stream, role, std::move(data),
      [this, life = life_, generation, entry = std::move(entry)](FirehosePutResult result) mutable {
        life->run([&] {
          attempt_finished(std::move(entry), generation,
                           result.outcome == FirehosePutResult::Outcome::delivered,
                           result.outcome == FirehosePutResult::Outcome::rejected, result.error);
        });
      });
}

void SnsEngine::attempt_finished(OutboxEntry entry, std::uint64_t generation, bool delivered, bool permanent,
                                 const std::string& error) {
  bool current;
  {
    std::lock_guard lock(outbox_mutex_);
    outbox_.finished({entry.id, entry.kind, entry.subscription_arn});
    current = generation == outbox_generation_;
  }
  if (current && entry.message_type == "Notification") {
    std::shared_ptr<const Subscription> subscription;
    {
      std::shared_lock lock(mutex_);
      subscription = find_subscription_locked(entry.subscription_arn);
    }
    if (subscription) (delivered ? subscription->counters->delivered : subscription->counters->failed)++;
  }
  if (current) {
    if (delivered) {
      erase_outbox(entry.id);
    } else {
      ++entry.attempts;
      if (permanent || entry.attempts > entry.retry.num_retries) {
        spdlog::info("sns: {} {} to {} failed after {} attempt(s): {}", entry.message_type, entry.message_id,
                     entry.endpoint, entry.attempts, error);
        dead_letter(std::move(entry), error);
      } else {
        entry.due_ms = now() + entry.retry.delay_ms(entry.attempts);
        spdlog::debug("sns: {} to {} failed ({}), retry {} in {} ms", entry.message_id, entry.endpoint, error,
                      entry.attempts, entry.due_ms - now());
        store::Batch batch;
        batch.put(kOutboxCf, entry.id, entry.serialize());
        commit(std::move(batch),
               [this, ref = OutboxScheduler::Ref{entry.id, entry.kind, entry.subscription_arn},
                due = entry.due_ms, generation](const store::Status& status) {
                 if (status.ok) requeue_outbox(ref, due, generation);
               });
      }
    }
  }
  request_pump();
}

void SnsEngine::dead_letter(OutboxEntry entry, const std::string& error) {
  store::Batch batch;
  batch.erase(kOutboxCf, entry.id);
  if (entry.dead_letter_arn.empty() || entry.message_type != "Notification") {
    if (entry.message_type == "Notification") {
      spdlog::warn("sns: message {} for {} discarded (no dead-letter queue): {}", entry.message_id,
                   entry.subscription_arn, error);
    }
    commit(std::move(batch), [](const store::Status&) {});
    return;
  }
  sqs::SendRequest request;
  request.body = entry.body;
  if (entry.kind == OutboxEntry::Kind::firehose && !request.body.empty() && request.body.back() == '\n') {
    request.body.pop_back();
  }
  if (entry.raw) {
    for (const auto& a : entry.attributes)
      request.attributes.push_back(sqs::MessageAttribute{a.name, a.data_type, a.value});
  }
  if (!entry.group_id.empty()) {
    request.group_id = entry.group_id;
    request.deduplication_id = entry.deduplication_id;
  }
  sqs::SendCaller caller{entry.account, std::string(kSnsSenderId), std::string(kSnsPrincipal),
                         entry.topic_arn, entry.account};
  auto staged = std::make_shared<sqs::StagedSends>();
  auto outcome = sqs_.stage_send(caller, entry.dead_letter_arn, std::move(request), batch, *staged);
  if (auto* refused = std::get_if<protocol::ServiceError>(&outcome)) {
    spdlog::warn("sns: message {} for {} discarded: dead-letter queue {} refused it: {}", entry.message_id,
                 entry.subscription_arn, entry.dead_letter_arn, refused->message);
  }
  commit(std::move(batch),
         [this, staged](const store::Status& status) { sqs_.finish_staged(std::move(*staged), status); });
}

void SnsEngine::erase_outbox(const std::string& id) {
  store::Batch batch;
  batch.erase(kOutboxCf, id);
  commit(std::move(batch), [](const store::Status&) {});
}

void SnsEngine::requeue_outbox(OutboxScheduler::Ref ref, std::int64_t due_ms, std::uint64_t generation) {
  std::lock_guard lock(outbox_mutex_);
  if (generation == outbox_generation_) outbox_.add(std::move(ref), due_ms);
}

}  // namespace fanout::services::sns
