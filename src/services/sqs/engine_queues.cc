// Queue-level operations: create, look up, list, attributes, delete, purge, tags, permissions.
#include <algorithm>
#include <boost/json.hpp>
#include <mutex>

#include "common/crypto.h"
#include "services/sqs/engine_internal.h"
#include "services/sqs/json_input.h"
#include "services/sqs/queue_address.h"
#include "services/sqs/sqs_engine.h"
#include "services/sqs/sqs_error.h"
#include "services/sqs/validation.h"

namespace fanout::services::sqs {

namespace {

constexpr std::size_t kMaxTags = 50;

std::optional<std::int64_t> max_results(const boost::json::object& input) {
  auto max = input::opt_int(input, "MaxResults");
  if (max && (*max < 1 || *max > 1000)) {
    throw errors::invalid_parameter_value("MaxResults", std::to_string(*max),
                                          "MaxResults must be an integer between 1 and 1000.");
  }
  return max;
}

std::string encode_token(std::string_view last_name) {
  return crypto::base64_encode("v1:" + std::string(last_name));
}

std::string decode_token(const std::optional<std::string>& token) {
  if (!token || token->empty()) return {};
  auto decoded = crypto::base64_decode(*token);
  if (!decoded || !decoded->starts_with("v1:") || decoded->size() < 4) {
    throw errors::invalid_parameter("Invalid NextToken value.");
  }
  return decoded->substr(3);
}

void validate_tags(const boost::json::object& tags) {
  for (const auto& entry : tags) {
    std::string_view key(entry.key().data(), entry.key().size());
    if (key.empty() || key.size() > 128) {
      throw errors::invalid_parameter_value("TagKey", key,
                                            "Tag keys must be between 1 and 128 characters long.");
    }
    if (!entry.value().is_string() || entry.value().get_string().size() > 256) {
      throw errors::invalid_parameter_value("TagValue", key,
                                            "Tag values must be at most 256 characters long.");
    }
  }
}

}  // namespace

void SqsEngine::answer(Completion& done, const store::Status& status, boost::json::object result) {
  if (status.ok) {
    done(std::move(result));
  } else {
    done(errors::internal(status.message).error());
  }
}

void SqsEngine::persist_queue_locked(Queue& queue, Completion done) {
  store::Batch batch;
  batch.put(kQueuesCf, queue_record_key(queue.account, queue.name), queue.encode_record());
  commit(std::move(batch),
         [done = std::move(done)](const store::Status& status) mutable { answer(done, status); });
}

void SqsEngine::check_redrive_target(std::string_view account, std::string_view source_arn, bool fifo,
                                     const QueueSettings& settings) {
  if (!settings.redrive_policy) return;
  const std::string& text = settings.redrive_policy_text;
  auto target = parse_queue_arn(settings.redrive_policy->dead_letter_target_arn);
  auto dlq = target && target->account == account ? registry_.find(target->account, target->name) : nullptr;
  if (!dlq)
    throw errors::invalid_parameter_value("RedrivePolicy", text, "Dead letter target does not exist.");
  if (dlq->fifo != fifo) {
    throw errors::invalid_parameter_value("RedrivePolicy", text,
                                          "Dead-letter queue must be same type of queue as the source.");
  }
  std::lock_guard lock(dlq->mutex);
  if (dlq->deleted)
    throw errors::invalid_parameter_value("RedrivePolicy", text, "Dead letter target does not exist.");
  if (!dlq->settings.redrive_allow_policy.allows(source_arn)) {
    throw errors::invalid_parameter_value(
        "RedrivePolicy", text,
        "Queue " + dlq->arn + " does not allow this queue to use it as a dead-letter queue.");
  }
}

void SqsEngine::create_queue(const Context& context, const Input& input, Completion& done) {
  const std::string name = input::req_string(input, "QueueName");
  const auto* attributes = input::opt_object(input, "Attributes");
  bool fifo = false;
  if (attributes != nullptr) {
    if (auto* f = attributes->if_contains("FifoQueue"); f != nullptr && f->is_string()) {
      std::string text(f->get_string());
      std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
      if (text != "true" && text != "false") throw errors::invalid_attribute_value("FifoQueue");
      fifo = text == "true";
    }
  }
  if (!validation::is_valid_queue_name(name, fifo)) {
    throw errors::invalid_parameter(
        fifo ? "The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, "
               "must end "
               "with .fifo suffix and be 1 to 80 in length."
             : "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length");
  }
  const auto values = validate_queue_attributes(attributes, true, fifo);
  QueueSettings settings;
  settings.fifo_queue = fifo;
  apply_queue_attributes(settings, values);
  const std::string region = context.region.empty() ? "us-east-1" : context.region;
  check_redrive_target(context.account_id, format_queue_arn(region, context.account_id, name), fifo,
                       settings);

  std::map<std::string, std::string> tags;
  if (const auto* tag_input = input::opt_object(input, "tags")) {
    validate_tags(*tag_input);
    if (tag_input->size() > kMaxTags)
      throw errors::invalid_parameter("Too many tags added for queue " + name + ".");
    for (const auto& entry : *tag_input)
      tags[std::string(entry.key())] = std::string(entry.value().get_string());
  }

  for (int attempt = 0; attempt < 100; ++attempt) {
    if (auto existing = registry_.find(context.account_id, name)) {
      std::lock_guard lock(existing->mutex);
      if (existing->deleted) continue;
      if (existing->fifo != fifo) {
        throw SqsError(
            "QueueNameExists",
            "A queue already exists with the same name and a different value for attribute FifoQueue");
      }
      for (const auto& [attribute, value] : values) {
        if (existing->settings.value_of(attribute) != value) {
          throw SqsError(
              "QueueNameExists",
              "A queue already exists with the same name and a different value for attribute " + attribute);
        }
      }
      boost::json::object result{{"QueueUrl", queue_url(context, *existing)}};
      done(std::move(result));
      return;
    }
    auto queue = std::make_shared<Queue>(registry_.allocate_id(), context.account_id, name, region, fifo);
    const auto t = now();
    queue->settings = settings;
    queue->created_ms = t;
    queue->modified_ms = t;
    queue->tags = tags;
    // The new queue's record and the engine keys go out before anyone can use the queue.
    std::unique_lock lock(queue->mutex);
    auto inserted = registry_.insert(queue, t);
    if (inserted == QueueRegistry::InsertResult::exists) continue;
    if (inserted == QueueRegistry::InsertResult::deleted_recently) {
      throw SqsError(
          "QueueDeletedRecently",
          "You must wait 60 seconds after deleting a queue before you can create another with the same "
          "name.");
    }
    store::Batch batch;
    batch.put(kQueuesCf, queue_record_key(queue->account, queue->name), queue->encode_record());
    batch.put(kStateCf, kHmacKey, hmac_key_);
    std::string next_id;
    put_u64_be(next_id, registry_.peek_next_id());
    batch.put(kStateCf, kNextQueueIdKey, next_id);
    commit(std::move(batch),
           [done = std::move(done), url = queue_url(context, *queue)](const store::Status& s) mutable {
             answer(done, s, boost::json::object{{"QueueUrl", url}});
           });
    return;
  }
  throw errors::internal("CreateQueue raced too often");
}

void SqsEngine::get_queue_url(const Context& context, const Input& input, Completion& done) {
  const std::string name = input::req_string(input, "QueueName");
  const std::string owner = input::opt_string(input, "QueueOwnerAWSAccountId").value_or(context.account_id);
  PolicyPrincipal principal;
  principal.account = context.account_id;
  auto queue = resolve_address(context.account_id, owner.empty() ? context.account_id : owner, name,
                               "GetQueueUrl", principal, true);
  {
    std::lock_guard lock(queue->mutex);
    if (queue->deleted) throw errors::queue_does_not_exist();
  }
  done(boost::json::object{{"QueueUrl", queue_url(context, *queue)}});
}

void SqsEngine::list_queues(const Context& context, const Input& input, Completion& done) {
  const std::string prefix = input::opt_string(input, "QueueNamePrefix").value_or("");
  const auto max = max_results(input);
  const std::string after = decode_token(input::opt_string(input, "NextToken"));
  const std::size_t limit = max ? static_cast<std::size_t>(*max) : 1000;
  auto queues = registry_.list(context.account_id, prefix, after);
  boost::json::array urls;
  std::string last;
  std::size_t taken = 0;
  bool more = false;
  for (const auto& queue : queues) {
    if (taken == limit) {
      more = true;
      break;
    }
    urls.emplace_back(queue_url(context, *queue));
    last = queue->name;
    ++taken;
  }
  boost::json::object result;
  if (!urls.empty()) result["QueueUrls"] = std::move(urls);
  if (more && max) result["NextToken"] = encode_token(last);
  done(std::move(result));
}

void SqsEngine::get_queue_attributes(const Context& context, const Input& input, Completion& done) {
  auto queue = resolve(context, input, "GetQueueAttributes", true);
  const auto names = input::string_list(input, "AttributeNames");
  for (const auto& name : names) {
    if (!is_known_queue_attribute(name)) throw errors::invalid_attribute_name(name);
  }
  const bool all = std::find(names.begin(), names.end(), "All") != names.end();
  auto wanted = [&](std::string_view name) {
    return all || std::find(names.begin(), names.end(), name) != names.end();
  };
  boost::json::object attributes;
  {
    std::lock_guard lock(queue->mutex);
    if (queue->deleted) throw errors::queue_does_not_exist();
    const auto t = now();
    queue->index.promote(t);
    std::vector<std::uint64_t> expired;
    queue->index.expire(t - queue->settings.message_retention_period * 1000, expired);
    if (!expired.empty()) {
      store::Batch batch;
      for (auto seq : expired) {
        batch.erase(kMessagesCf, message_key(queue->id, seq));
        batch.erase(kMetaCf, message_key(queue->id, seq));
      }
      commit(std::move(batch), [](const store::Status&) {});
    }
    if (wanted("QueueArn")) attributes["QueueArn"] = queue->arn;
    if (wanted("ApproximateNumberOfMessages")) {
      attributes["ApproximateNumberOfMessages"] = std::to_string(queue->index.ready_count());
    }
    if (wanted("ApproximateNumberOfMessagesNotVisible")) {
      attributes["ApproximateNumberOfMessagesNotVisible"] = std::to_string(queue->index.inflight_count());
    }
    if (wanted("ApproximateNumberOfMessagesDelayed")) {
      attributes["ApproximateNumberOfMessagesDelayed"] = std::to_string(queue->index.delayed_count());
    }
    if (wanted("CreatedTimestamp")) attributes["CreatedTimestamp"] = std::to_string(queue->created_ms / 1000);
    if (wanted("LastModifiedTimestamp")) {
      attributes["LastModifiedTimestamp"] = std::to_string(queue->modified_ms / 1000);
    }
    if (all) {
      for (auto& [name, value] : queue->settings.visible_attributes()) attributes[name] = value;
    } else {
      const auto visible = queue->settings.visible_attributes();
      for (const auto& name : names) {
        auto it =
            std::find_if(visible.begin(), visible.end(), [&](const auto& kv) { return kv.first == name; });
        if (it != visible.end()) attributes[name] = it->second;
      }
    }
  }
  boost::json::object result;
  if (!attributes.empty()) result["Attributes"] = std::move(attributes);
  done(std::move(result));
}

void SqsEngine::set_queue_attributes(const Context& context, const Input& input, Completion& done) {
  auto queue = resolve(context, input, "SetQueueAttributes", false);
  const auto* attributes = input::opt_object(input, "Attributes");
  if (attributes == nullptr) throw errors::missing_parameter("Attributes");
  const auto values = validate_queue_attributes(attributes, false, queue->fifo);
  QueueSettings candidate;
  {
    std::lock_guard lock(queue->mutex);
    if (queue->deleted) throw errors::queue_does_not_exist();
    candidate = queue->settings;
  }
  apply_queue_attributes(candidate, values);
  if (values.contains("RedrivePolicy"))
    check_redrive_target(queue->account, queue->arn, queue->fifo, candidate);

  std::lock_guard lock(queue->mutex);
  if (queue->deleted) throw errors::queue_does_not_exist();
  apply_queue_attributes(queue->settings, values);
  queue->modified_ms = now();
  persist_queue_locked(*queue, std::move(done));
}

void SqsEngine::delete_queue(const Context& context, const Input& input, Completion& done) {
  auto queue = resolve(context, input, "DeleteQueue", false);
  if (!registry_.remove(queue, now())) throw errors::queue_does_not_exist();
  std::vector<std::shared_ptr<Waiter>> parked;
  {
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
    store::Batch batch;
    batch.erase(kQueuesCf, queue_record_key(queue->account, queue->name));
    const std::string begin = queue_key_prefix(queue->id);
    const std::string end = queue_key_prefix(queue->id + 1);
    batch.erase_range(kMessagesCf, begin, end);
    batch.erase_range(kMetaCf, begin, end);
    batch.erase_range(kDedupCf, begin, end);
    batch.erase(kStateCf, seq_reservation_key(queue->id));
    commit(std::move(batch), [done = std::move(done)](const store::Status& s) mutable { answer(done, s); });
  }
  complete_empty(parked);
  // Move tasks reading from the deleted queue stop.
  std::lock_guard lock(tasks_mutex_);
  for (auto& [id, task] : tasks_) {
    if (task->source_queue_id == queue->id && task->active()) {
      task->status = "FAILED";
      task->failure_reason = "The source queue was deleted.";
      if (task->timer != 0) timers_.cancel(task->timer);
      task->timer = 0;
    }
  }
}

void SqsEngine::purge_queue(const Context& context, const Input& input, Completion& done) {
  auto queue = resolve(context, input, "PurgeQueue", true);
  std::lock_guard lock(queue->mutex);
  if (queue->deleted) throw errors::queue_does_not_exist();
  const auto t = now();
  if (queue->last_purge_ms && t - *queue->last_purge_ms < std::int64_t{60} * 1000) {
    throw SqsError("PurgeQueueInProgress",
                   "Only one PurgeQueue operation on " + queue->name + " is allowed every 60 seconds.");
  }
  queue->last_purge_ms = t;
  queue->index.clear();
  queue->attempts.clear();
  store::Batch batch;
  const std::string begin = message_key(queue->id, 0);
  const std::string end = message_key(queue->id, queue->next_seq.load());
  batch.erase_range(kMessagesCf, begin, end);
  batch.erase_range(kMetaCf, begin, end);
  commit(std::move(batch), [done = std::move(done)](const store::Status& s) mutable { answer(done, s); });
}

void SqsEngine::tag_queue(const Context& context, const Input& input, Completion& done) {
  auto queue = resolve(context, input, "TagQueue", false);
  const auto* tags = input::opt_object(input, "Tags");
  if (tags == nullptr || tags->empty()) throw errors::missing_parameter("Tags");
  validate_tags(*tags);
  std::lock_guard lock(queue->mutex);
  if (queue->deleted) throw errors::queue_does_not_exist();
  auto merged = queue->tags;
  for (const auto& entry : *tags) merged[std::string(entry.key())] = std::string(entry.value().get_string());
  if (merged.size() > kMaxTags)
    throw errors::invalid_parameter("Too many tags added for queue " + queue->name + ".");
  queue->tags = std::move(merged);
  persist_queue_locked(*queue, std::move(done));
}

void SqsEngine::untag_queue(const Context& context, const Input& input, Completion& done) {
  auto queue = resolve(context, input, "UntagQueue", false);
  const auto keys = input::string_list(input, "TagKeys");
  if (keys.empty()) throw errors::missing_parameter("TagKeys");
  std::lock_guard lock(queue->mutex);
  if (queue->deleted) throw errors::queue_does_not_exist();
  for (const auto& key : keys) queue->tags.erase(key);
  persist_queue_locked(*queue, std::move(done));
}

void SqsEngine::list_queue_tags(const Context& context, const Input& input, Completion& done) {
  auto queue = resolve(context, input, "ListQueueTags", false);
  boost::json::object tags;
  {
    std::lock_guard lock(queue->mutex);
    if (queue->deleted) throw errors::queue_does_not_exist();
    for (const auto& [k, v] : queue->tags) tags[k] = v;
  }
  boost::json::object result;
  if (!tags.empty()) result["Tags"] = std::move(tags);
  done(std::move(result));
}

void SqsEngine::list_dead_letter_source_queues(const Context& context, const Input& input, Completion& done) {
  auto dlq = resolve(context, input, "ListDeadLetterSourceQueues", true);
  const auto max = max_results(input);
  const std::string after = decode_token(input::opt_string(input, "NextToken"));
  const std::size_t limit = max ? static_cast<std::size_t>(*max) : 1000;
  boost::json::array urls;
  std::string last;
  bool more = false;
  for (const auto& queue : registry_.list(dlq->account, "", after)) {
    bool source;
    {
      std::lock_guard lock(queue->mutex);
      source = !queue->deleted && queue->settings.redrive_policy &&
               queue->settings.redrive_policy->dead_letter_target_arn == dlq->arn;
    }
    if (!source) continue;
    if (urls.size() == limit) {
      more = true;
      break;
    }
    urls.emplace_back(queue_url(context, *queue));
    last = queue->name;
  }
  boost::json::object result;
  result["queueUrls"] = std::move(urls);
  if (more && max) result["NextToken"] = encode_token(last);
  done(std::move(result));
}

void SqsEngine::add_permission(const Context& context, const Input& input, Completion& done) {
  auto queue = resolve(context, input, "AddPermission", false);
  const std::string label = input::req_string(input, "Label");
  const auto accounts = input::string_list(input, "AWSAccountIds");
  const auto actions = input::string_list(input, "Actions");
  std::lock_guard lock(queue->mutex);
  if (queue->deleted) throw errors::queue_does_not_exist();
  queue->settings.policy = sqs::add_permission(queue->settings.policy, queue->arn, label, accounts, actions);
  queue->modified_ms = now();
  persist_queue_locked(*queue, std::move(done));
}

void SqsEngine::remove_permission(const Context& context, const Input& input, Completion& done) {
  auto queue = resolve(context, input, "RemovePermission", false);
  const std::string label = input::req_string(input, "Label");
  std::lock_guard lock(queue->mutex);
  if (queue->deleted) throw errors::queue_does_not_exist();
  queue->settings.policy = sqs::remove_permission(queue->settings.policy, label);
  queue->modified_ms = now();
  persist_queue_locked(*queue, std::move(done));
}

}  // namespace fanout::services::sqs
