#include "services/sqs/queue_settings.h"

#include <algorithm>
#include <array>
#include <boost/json.hpp>

#include "services/sqs/sqs_error.h"
#include "services/sqs/validation.h"

namespace fanout::services::sqs {

namespace {

struct IntRange {
  std::string_view name;
  std::int64_t min, max;
};
constexpr std::array<IntRange, 6> kIntegers{{
    {"DelaySeconds", 0, 900},
    {"MaximumMessageSize", 1024, 1048576},
    {"MessageRetentionPeriod", 60, 1209600},
    {"ReceiveMessageWaitTimeSeconds", 0, 20},
    {"VisibilityTimeout", 0, 43200},
    {"KmsDataKeyReusePeriodSeconds", 60, 86400},
}};

// Read-only attributes the engine computes (GetQueueAttributes only).
constexpr std::array<std::string_view, 7> kComputed{
    "All",
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed",
    "CreatedTimestamp",
    "LastModifiedTimestamp",
    "QueueArn",
};

constexpr std::array<std::string_view, 4> kFifoOnly{"FifoQueue", "ContentBasedDeduplication",
                                                    "DeduplicationScope", "FifoThroughputLimit"};

bool is_fifo_only(std::string_view name) {
  return std::find(kFifoOnly.begin(), kFifoOnly.end(), name) != kFifoOnly.end();
}

std::optional<bool> parse_bool(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  if (lower == "true") return true;
  if (lower == "false") return false;
  return std::nullopt;
}

std::string bool_text(bool value) { return value ? "true" : "false"; }

bool is_settable(std::string_view name) {
  for (const auto& range : kIntegers) {
    if (range.name == name) return true;
  }
  for (std::string_view n :
       {"Policy", "RedrivePolicy", "RedriveAllowPolicy", "KmsMasterKeyId", "SqsManagedSseEnabled",
        "FifoQueue", "ContentBasedDeduplication", "DeduplicationScope", "FifoThroughputLimit"}) {
    if (n == name) return true;
  }
  return false;
}

std::string normalize(std::string_view name, std::string_view value) {
  for (const auto& range : kIntegers) {
    if (range.name != name) continue;
    auto n = validation::parse_integer(value);
    if (!n || *n < range.min || *n > range.max) throw errors::invalid_attribute_value(name);
    return std::to_string(*n);
  }
  if (name == "SqsManagedSseEnabled" || name == "FifoQueue" || name == "ContentBasedDeduplication") {
    auto b = parse_bool(value);
    if (!b) throw errors::invalid_attribute_value(name);
    return bool_text(*b);
  }
  if (name == "DeduplicationScope") {
    if (value != "messageGroup" && value != "queue") throw errors::invalid_attribute_value(name);
    return std::string(value);
  }
  if (name == "FifoThroughputLimit") {
    if (value != "perQueue" && value != "perMessageGroupId") throw errors::invalid_attribute_value(name);
    return std::string(value);
  }
  if (name == "Policy") {
    if (value.empty()) return {};
    boost::system::error_code ec;
    auto parsed = boost::json::parse(value, ec);
    if (ec || !parsed.is_object()) throw errors::invalid_attribute_value(name);
    return std::string(value);
  }
  if (name == "RedrivePolicy") {
    if (value.empty()) return {};
    return render_redrive_policy(parse_redrive_policy(value));
  }
  if (name == "RedriveAllowPolicy") {
    if (value.empty()) return {};
    return render_redrive_allow_policy(parse_redrive_allow_policy(value));
  }
  if (name == "KmsMasterKeyId") {
    if (value.size() > 2048) throw errors::invalid_attribute_value(name);
    return std::string(value);
  }
  throw errors::invalid_attribute_name(name);
}

}  // namespace

std::optional<std::string> QueueSettings::value_of(std::string_view name) const {
  if (name == "DelaySeconds") return std::to_string(delay_seconds);
  if (name == "MaximumMessageSize") return std::to_string(maximum_message_size);
  if (name == "MessageRetentionPeriod") return std::to_string(message_retention_period);
  if (name == "ReceiveMessageWaitTimeSeconds") return std::to_string(receive_message_wait_time_seconds);
  if (name == "VisibilityTimeout") return std::to_string(visibility_timeout);
  if (name == "KmsDataKeyReusePeriodSeconds") return std::to_string(kms_data_key_reuse_period_seconds);
  if (name == "Policy") return policy;
  if (name == "RedrivePolicy") return redrive_policy_text;
  if (name == "RedriveAllowPolicy") return redrive_allow_policy_text;
  if (name == "KmsMasterKeyId") return kms_master_key_id;
  if (name == "SqsManagedSseEnabled") return bool_text(sqs_managed_sse_enabled);
  if (name == "FifoQueue") return bool_text(fifo_queue);
  if (name == "ContentBasedDeduplication") return bool_text(content_based_deduplication);
  if (name == "DeduplicationScope") return deduplication_scope;
  if (name == "FifoThroughputLimit") return fifo_throughput_limit;
  return std::nullopt;
}

std::vector<std::pair<std::string, std::string>> QueueSettings::visible_attributes() const {
  std::vector<std::pair<std::string, std::string>> out;
  out.emplace_back("DelaySeconds", std::to_string(delay_seconds));
  out.emplace_back("MaximumMessageSize", std::to_string(maximum_message_size));
  out.emplace_back("MessageRetentionPeriod", std::to_string(message_retention_period));
  if (!policy.empty()) out.emplace_back("Policy", policy);
  out.emplace_back("ReceiveMessageWaitTimeSeconds", std::to_string(receive_message_wait_time_seconds));
  out.emplace_back("VisibilityTimeout", std::to_string(visibility_timeout));
  if (!redrive_policy_text.empty()) out.emplace_back("RedrivePolicy", redrive_policy_text);
  if (!redrive_allow_policy_text.empty()) out.emplace_back("RedriveAllowPolicy", redrive_allow_policy_text);
  if (!kms_master_key_id.empty()) {
    out.emplace_back("KmsMasterKeyId", kms_master_key_id);
    out.emplace_back("KmsDataKeyReusePeriodSeconds", std::to_string(kms_data_key_reuse_period_seconds));
  }
  out.emplace_back("SqsManagedSseEnabled", bool_text(sqs_managed_sse_enabled));
  if (fifo_queue) {
    out.emplace_back("FifoQueue", "true");
    out.emplace_back("ContentBasedDeduplication", bool_text(content_based_deduplication));
    out.emplace_back("DeduplicationScope", deduplication_scope);
    out.emplace_back("FifoThroughputLimit", fifo_throughput_limit);
  }
  return out;
}

std::map<std::string, std::string> QueueSettings::to_map() const {
  QueueSettings defaults;
  std::map<std::string, std::string> out;
  for (std::string_view name :
       {"DelaySeconds", "MaximumMessageSize", "MessageRetentionPeriod", "ReceiveMessageWaitTimeSeconds",
        "VisibilityTimeout", "KmsDataKeyReusePeriodSeconds", "Policy", "RedrivePolicy", "RedriveAllowPolicy",
        "KmsMasterKeyId", "SqsManagedSseEnabled", "FifoQueue", "ContentBasedDeduplication",
        "DeduplicationScope", "FifoThroughputLimit"}) {
    auto mine = value_of(name);
    if (mine != defaults.value_of(name)) out.emplace(std::string(name), *mine);
  }
  return out;
}

std::map<std::string, std::string> validate_queue_attributes(const boost::json::object* input, bool creating,
                                                             bool fifo) {
  std::map<std::string, std::string> out;
  if (input == nullptr) return out;
  for (const auto& entry : *input) {
    std::string_view name(entry.key().data(), entry.key().size());
    if (!entry.value().is_string()) throw errors::invalid_attribute_value(name);
    std::string_view value(entry.value().get_string().data(), entry.value().get_string().size());
    if (!is_settable(name)) throw errors::invalid_attribute_name(name);
    if (name == "FifoQueue" && !creating) throw errors::invalid_attribute_name(name);
    // The FIFO attributes are unknown on standard queues (FifoQueue=false is accepted on create).
    if (!fifo && is_fifo_only(name) && !(name == "FifoQueue" && creating))
      throw errors::invalid_attribute_name(name);
    out[std::string(name)] = normalize(name, value);
  }
  if (creating) {
    if (auto it = out.find("FifoQueue"); it != out.end() && it->second == "false") out.erase(it);
  }
  return out;
}

void apply_queue_attributes(QueueSettings& s, const std::map<std::string, std::string>& values) {
  for (const auto& [name, value] : values) {
    if (name == "DelaySeconds") s.delay_seconds = std::stoll(value);
    if (name == "MaximumMessageSize") s.maximum_message_size = std::stoll(value);
    if (name == "MessageRetentionPeriod") s.message_retention_period = std::stoll(value);
    if (name == "ReceiveMessageWaitTimeSeconds") s.receive_message_wait_time_seconds = std::stoll(value);
    if (name == "VisibilityTimeout") s.visibility_timeout = std::stoll(value);
    if (name == "KmsDataKeyReusePeriodSeconds") s.kms_data_key_reuse_period_seconds = std::stoll(value);
    if (name == "Policy") s.policy = value;
    if (name == "RedrivePolicy") {
      s.redrive_policy_text = value;
      s.redrive_policy = value.empty() ? std::nullopt : std::optional(parse_redrive_policy(value));
    }
    if (name == "RedriveAllowPolicy") {
      s.redrive_allow_policy_text = value;
      s.redrive_allow_policy = value.empty() ? RedriveAllowPolicy{} : parse_redrive_allow_policy(value);
    }
    if (name == "FifoQueue") s.fifo_queue = value == "true";
    if (name == "ContentBasedDeduplication") s.content_based_deduplication = value == "true";
    if (name == "DeduplicationScope") s.deduplication_scope = value;
    if (name == "FifoThroughputLimit") s.fifo_throughput_limit = value;
  }
  // Server-side encryption: one kind at a time. A KMS key turns SSE-SQS off; SSE-SQS on drops it.
  auto kms = values.find("KmsMasterKeyId");
  auto sse = values.find("SqsManagedSseEnabled");
  if (kms != values.end() && !kms->second.empty() && sse != values.end() && sse->second == "true") {
    throw errors::invalid_attribute_value(
        "SqsManagedSseEnabled",
        "You can use one type of server-side encryption (SSE) at one time. You "
        "can either enable KMS SSE or SQS SSE.");
  }
  if (kms != values.end()) {
    s.kms_master_key_id = kms->second;
    if (!kms->second.empty()) s.sqs_managed_sse_enabled = false;
  }
  if (sse != values.end()) {
    s.sqs_managed_sse_enabled = sse->second == "true";
    if (s.sqs_managed_sse_enabled) s.kms_master_key_id.clear();
  }
  if (s.fifo_throughput_limit == "perMessageGroupId" && s.deduplication_scope != "messageGroup") {
    throw errors::invalid_attribute_value(
        "FifoThroughputLimit",
        "perMessageGroupId is allowed only when the value for DeduplicationScope "
        "is messageGroup.");
  }
}

bool is_known_queue_attribute(std::string_view name) {
  if (is_settable(name)) return true;
  return std::find(kComputed.begin(), kComputed.end(), name) != kComputed.end();
}

}  // namespace fanout::services::sqs
