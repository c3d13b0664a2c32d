// Topics: CreateTopic, DeleteTopic, ListTopics, Get/SetTopicAttributes, Add/RemovePermission,
// tags and the data-protection policy.
#include <algorithm>
#include <boost/json.hpp>

#include "services/sns/arn.h"
#include "services/sns/delivery_policy.h"
#include "services/sns/engine_internal.h"
#include "services/sns/input.h"
#include "services/sns/pagination.h"
#include "services/sns/sns_error.h"
#include "services/sns/topic_policy.h"

namespace fanout::services::sns {

namespace json = boost::json;

namespace {

bool same_tags(const Tags& a, const Tags& b) {
  auto sa = a, sb = b;
  std::sort(sa.begin(), sa.end());
  std::sort(sb.begin(), sb.end());
  return sa == sb;
}

bool valid_json_object(std::string_view text) {
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  return !ec && v.is_object();
}

}  // namespace

void SnsEngine::create_topic(const Context& context, const Input& in, Completion& done) {
  const auto name = input::require_string(in, "Name");
  const auto given = input::string_map(in, "Attributes");
  const auto tags = input::tag_list(in, "Tags");
  const auto data_protection = input::opt_string(in, "DataProtectionPolicy");

  bool fifo = false;
  for (const auto& [key, value] : given) {
    if (key == "FifoTopic") fifo = validate_topic_attribute(key, value, false, true) == "true";
  }
  if (fifo && !is_valid_topic_name(name, true)) {
    throw errors::invalid_parameter(
        "Fifo Topic names must end with .fifo and must be made up of only uppercase and lowercase ASCII "
        "letters, "
        "numbers, underscores, and hyphens, and must be between 1 and 256 characters long.");
  }
  if (!fifo && !is_valid_topic_name(name, false)) throw errors::invalid_parameter("Topic Name");
  std::map<std::string, std::string, std::less<>> attributes;
  for (const auto& [key, value] : given) {
    if (key == "FifoTopic") continue;
    attributes[key] = validate_topic_attribute(key, value, fifo, true);
  }
  validate_tags(tags);
  if (data_protection && !data_protection->empty() && !valid_json_object(*data_protection)) {
    throw errors::invalid_parameter("DataProtectionPolicy");
  }

  const auto arn = format_topic_arn(context.region, context.account_id, name);
  std::unique_lock lock(mutex_);
  if (auto it = topics_.find(arn); it != topics_.end()) {
    const auto& existing = *it->second.topic;
    bool same = existing.fifo == fifo;
    for (const auto& [key, value] : attributes) same = same && existing.attribute(key) == value;
    if (!same)
      throw errors::invalid_parameter("Attributes Reason: Topic already exists with different attributes");
    if (!tags.empty() && !same_tags(existing.tags, tags)) {
      throw errors::invalid_parameter("Tags Reason: Topic already exists with different tags");
    }
    lock.unlock();
    done(json::object{{"TopicArn", arn}});
    return;
  }
  const std::string prefix = format_topic_arn(context.region, context.account_id, "");
  std::size_t standard = 0, fifo_count = 0;
  for (auto it = topics_.lower_bound(prefix); it != topics_.end() && it->first.starts_with(prefix); ++it) {
    (it->second.topic->fifo ? fifo_count : standard)++;
  }
  if (fifo ? fifo_count >= kMaxFifoTopicsPerAccount : standard >= kMaxStandardTopicsPerAccount) {
    throw errors::topic_limit_exceeded();
  }

  auto topic = std::make_shared<Topic>();
  topic->arn = arn;
  topic->name = name;
  topic->account = context.account_id;
  topic->region = context.region;
  topic->fifo = fifo;
  topic->attributes = std::move(attributes);
  if (!topic->attributes.contains("Policy"))
    topic->attributes["Policy"] = default_topic_policy(arn, context.account_id);
  topic->tags = tags;
  topic->data_protection_policy = data_protection.value_or(std::string());
  topic->created_ms = now();

  store::Batch batch;
  batch.put(kTopicsCf, arn, json::serialize(topic->to_record()));
  if (!signing_key_persisted_.exchange(true)) {
    batch.put(kStateCf, kSigningKeyKey, signing_key_->key_pem());
    batch.put(kStateCf, kSigningCertKey, signing_key_->cert_pem());
  }
  TopicEntry entry{topic, std::make_shared<SubscriptionList>(),
                   fifo ? std::make_shared<FifoState>() : nullptr};
  topics_[arn] = std::move(entry);
  commit(std::move(batch), [done = std::move(done), arn](const store::Status& status) mutable {
    answer(done, status, json::object{{"TopicArn", arn}});
  });
}

void SnsEngine::delete_topic(const Context& context, const Input& in, Completion& done) {
  const auto arn = input::require_string(in, "TopicArn");
  if (!parse_topic_arn(arn)) throw errors::invalid_parameter("TopicArn");
  std::unique_lock lock(mutex_);
  auto it = topics_.find(arn);
  if (it == topics_.end()) {
    lock.unlock();
    done(json::object{});  // idempotent, as on AWS
    return;
  }
  find_topic_locked(context, arn, "DeleteTopic");
  store::Batch batch;
  const std::string prefix = arn + ":";
  for (auto s = subscriptions_.lower_bound(prefix);
       s != subscriptions_.end() && s->first.starts_with(prefix);) {
    batch.erase(kSubscriptionsCf, s->first);
    if (!s->second->token.empty()) tokens_.erase(s->second->token);
    s = subscriptions_.erase(s);
  }
  batch.erase(kTopicsCf, arn);
  auto dedup = dedup_prefix(arn);
  auto dedup_end = dedup;
  dedup_end.back() = static_cast<char>(dedup_end.back() + 1);
  batch.erase_range(kStateCf, dedup, dedup_end);
  batch.erase(kStateCf, seq_store_key(arn));
  topics_.erase(it);
  commit(std::move(batch),
         [done = std::move(done)](const store::Status& status) mutable { answer(done, status); });
}

void SnsEngine::list_topics(const Context& context, const Input& in, Completion& done) {
  std::string after;
  if (auto token = input::opt_string(in, "NextToken"); token && !token->empty()) {
    auto decoded = decode_next_token(*token);
    if (!decoded) throw errors::invalid_parameter("NextToken");
    after = *decoded;
  }
  const std::string prefix = format_topic_arn(context.region, context.account_id, "");
  json::array topics;
  std::optional<std::string> next;
  {
    std::shared_lock lock(mutex_);
    auto it = after.empty() ? topics_.lower_bound(prefix) : topics_.upper_bound(after);
    for (; it != topics_.end() && it->first.starts_with(prefix); ++it) {
      if (topics.size() == kPageSize) {
        next = encode_next_token(topics.back().as_object().at("TopicArn").as_string());
        break;
      }
      topics.push_back(json::object{{"TopicArn", it->first}});
    }
  }
  json::object result{{"Topics", std::move(topics)}};
  if (next) result["NextToken"] = *next;
  done(std::move(result));
}

void SnsEngine::get_topic_attributes(const Context& context, const Input& in, Completion& done) {
  const auto arn = input::require_string(in, "TopicArn");
  json::object attributes;
  {
    std::shared_lock lock(mutex_);
    auto entry = find_topic_locked(context, arn, "GetTopicAttributes");
    const auto& topic = *entry.topic;
    std::size_t confirmed = 0, pending = 0;
    count_subscriptions_locked(arn, confirmed, pending);
    attributes["Policy"] = topic.attribute("Policy");
    attributes["Owner"] = topic.account;
    attributes["SubscriptionsPending"] = std::to_string(pending);
    attributes["TopicArn"] = topic.arn;
    attributes["EffectiveDeliveryPolicy"] =
        effective_topic_delivery_policy(topic.attribute("DeliveryPolicy"));
    attributes["SubscriptionsConfirmed"] = std::to_string(confirmed);
    attributes["DisplayName"] = topic.attribute("DisplayName");
    attributes["SubscriptionsDeleted"] = std::to_string(topic.subscriptions_deleted);
    attributes["MaximumMessageSize"] = std::to_string(topic.maximum_message_size());
    if (topic.fifo) {
      attributes["FifoTopic"] = "true";
      attributes["ContentBasedDeduplication"] = topic.content_based_deduplication() ? "true" : "false";
    }
    for (const auto& [key, value] : topic.attributes) {
      if (!attributes.contains(key)) attributes[key] = value;
    }
  }
  done(json::object{{"Attributes", std::move(attributes)}});
}

void SnsEngine::set_topic_attributes(const Context& context, const Input& in, Completion& done) {
  const auto arn = input::require_string(in, "TopicArn");
  const auto name = input::require_string(in, "AttributeName");
  const auto value = input::opt_string(in, "AttributeValue").value_or(std::string());
  std::unique_lock lock(mutex_);
  auto entry = find_topic_locked(context, arn, "SetTopicAttributes");
  auto topic = std::make_shared<Topic>(*entry.topic);
  const bool clears =
      value.empty() && (name == "DeliveryPolicy" || name == "DisplayName" || name == "KmsMasterKeyId" ||
                        name.ends_with("FeedbackRoleArn") || name.ends_with("FeedbackSampleRate"));
  if (clears) {
    validate_topic_attribute(name, "1", topic->fifo, false);  // still refuses unknown names
    topic->attributes.erase(name);
  } else {
    auto stored = validate_topic_attribute(name, value, topic->fifo, false);
    if (name == "MaximumMessageSize" && std::stoul(stored) > kDefaultMaximumMessageSize) {
      if (entry.subscriptions->size() > kMaxSubscriptionsPerLargeMessageTopic) {
        throw errors::invalid_parameter(
            "MaximumMessageSize Reason: Topics with a MaximumMessageSize above 262144 "
            "support up to 100 subscriptions");
      }
      for (const auto& s : *entry.subscriptions) {
        if (s->protocol != "sqs" && s->protocol != "firehose" && s->protocol != "lambda") {
          throw errors::invalid_parameter(
              "MaximumMessageSize Reason: Topics with a MaximumMessageSize above 262144 "
              "support only Amazon SQS, Amazon Data Firehose and AWS Lambda "
              "subscriptions");
        }
      }
    }
    topic->attributes[name] = stored;
  }
  replace_topic_locked(std::move(topic), std::move(done));
}

void SnsEngine::replace_topic_locked(std::shared_ptr<const Topic> topic, Completion done) {
  store::Batch batch;
  batch.put(kTopicsCf, topic->arn, json::serialize(topic->to_record()));
  topics_[topic->arn].topic = std::move(topic);
  commit(std::move(batch),
         [done = std::move(done)](const store::Status& status) mutable { answer(done, status); });
}

void SnsEngine::add_permission(const Context& context, const Input& in, Completion& done) {
  const auto arn = input::require_string(in, "TopicArn");
  const auto label = input::require_string(in, "Label");
  const auto accounts = input::string_list(in, "AWSAccountId");
  const auto actions = input::string_list(in, "ActionName");
  std::unique_lock lock(mutex_);
  auto entry = find_topic_locked(context, arn, "AddPermission");
  auto topic = std::make_shared<Topic>(*entry.topic);
  topic->attributes["Policy"] =
      sns::add_permission(topic->attribute("Policy"), arn, label, accounts, actions);
  replace_topic_locked(std::move(topic), std::move(done));
}

void SnsEngine::remove_permission(const Context& context, const Input& in, Completion& done) {
  const auto arn = input::require_string(in, "TopicArn");
  const auto label = input::require_string(in, "Label");
  std::unique_lock lock(mutex_);
  auto entry = find_topic_locked(context, arn, "RemovePermission");
  auto topic = std::make_shared<Topic>(*entry.topic);
  topic->attributes["Policy"] = sns::remove_permission(topic->attribute("Policy"), label);
  replace_topic_locked(std::move(topic), std::move(done));
}

SnsEngine::TopicEntry SnsEngine::find_tagged_resource_locked(const Context& context,
                                                             std::string_view arn) const {
  if (!parse_topic_arn(arn)) throw errors::invalid_parameter("ResourceArn");
  auto it = topics_.find(arn);
  if (it == topics_.end()) throw errors::resource_not_found("Resource does not exist");
  if (it->second.topic->account != context.account_id) {
    throw errors::authorization("User: arn:aws:iam::" + context.account_id +
                                ":root is not authorized to access this resource: " + std::string(arn));
  }
  return it->second;
}

void SnsEngine::tag_resource(const Context& context, const Input& in, Completion& done) {
  const auto arn = input::require_string(in, "ResourceArn");
  const auto tags = input::tag_list(in, "Tags");
  validate_tags(tags);
  std::unique_lock lock(mutex_);
  auto entry = find_tagged_resource_locked(context, arn);
  auto topic = std::make_shared<Topic>(*entry.topic);
  topic->tags = merge_tags(topic->tags, tags);
  if (topic->tags.size() > 50) throw errors::tag_limit_exceeded();
  replace_topic_locked(std::move(topic), std::move(done));
}

void SnsEngine::untag_resource(const Context& context, const Input& in, Completion& done) {
  const auto arn = input::require_string(in, "ResourceArn");
  const auto keys = input::string_list(in, "TagKeys");
  std::unique_lock lock(mutex_);
  auto entry = find_tagged_resource_locked(context, arn);
  auto topic = std::make_shared<Topic>(*entry.topic);
  std::erase_if(topic->tags, [&](const auto& tag) {
    return std::find(keys.begin(), keys.end(), tag.first) != keys.end();
  });
  replace_topic_locked(std::move(topic), std::move(done));
}

void SnsEngine::list_tags_for_resource(const Context& context, const Input& in, Completion& done) {
  const auto arn = input::require_string(in, "ResourceArn");
  json::array tags;
  {
    std::shared_lock lock(mutex_);
    auto entry = find_tagged_resource_locked(context, arn);
    for (const auto& [key, value] : entry.topic->tags)
      tags.push_back(json::object{{"Key", key}, {"Value", value}});
  }
  done(json::object{{"Tags", std::move(tags)}});
}

void SnsEngine::get_data_protection_policy(const Context& context, const Input& in, Completion& done) {
  const auto arn = input::require_string(in, "ResourceArn");
  json::object result;
  {
    std::shared_lock lock(mutex_);
    auto entry = find_topic_locked(context, arn, "GetDataProtectionPolicy", "ResourceArn");
    if (!entry.topic->data_protection_policy.empty()) {
      result["DataProtectionPolicy"] = entry.topic->data_protection_policy;
    }
  }
  done(std::move(result));
}

void SnsEngine::put_data_protection_policy(const Context& context, const Input& in, Completion& done) {
  const auto arn = input::require_string(in, "ResourceArn");
  const auto policy = input::opt_string(in, "DataProtectionPolicy").value_or(std::string());
  if (!policy.empty() && !valid_json_object(policy)) throw errors::invalid_parameter("DataProtectionPolicy");
  std::unique_lock lock(mutex_);
  auto entry = find_topic_locked(context, arn, "PutDataProtectionPolicy", "ResourceArn");
  auto topic = std::make_shared<Topic>(*entry.topic);
  topic->data_protection_policy = policy;
  replace_topic_locked(std::move(topic), std::move(done));
}

}  // namespace fanout::services::sns
