// The settable queue attributes: AWS's defaults, validation of CreateQueue / SetQueueAttributes
// input, and their string forms (as GetQueueAttributes returns them and as they are persisted).
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "services/sqs/redrive_policy.h"

namespace fanout::services::sqs {

struct QueueSettings {
  std::int64_t delay_seconds = 0;
  std::int64_t maximum_message_size = 1048576;  // 1 MiB, AWS's default and maximum since 2025
  std::int64_t message_retention_period = 345600;
  std::int64_t receive_message_wait_time_seconds = 0;
  std::int64_t visibility_timeout = 30;
  std::string policy;               // JSON text, "" = none
  std::string redrive_policy_text;  // normalized JSON, "" = none
  std::optional<RedrivePolicy> redrive_policy;
  std::string redrive_allow_policy_text;  // normalized JSON, "" = none
  RedriveAllowPolicy redrive_allow_policy;
  std::string kms_master_key_id;  // "" = none
  std::int64_t kms_data_key_reuse_period_seconds = 300;
  bool sqs_managed_sse_enabled = true;
  bool fifo_queue = false;
  bool content_based_deduplication = false;
  std::string deduplication_scope = "queue";       // queue | messageGroup
  std::string fifo_throughput_limit = "perQueue";  // perQueue | perMessageGroupId

  // Current value of a settable attribute as AWS renders it; nullopt for unknown names.
  std::optional<std::string> value_of(std::string_view name) const;
  // The settable attributes GetQueueAttributes(All) shows for this queue, in AWS's order.
  std::vector<std::pair<std::string, std::string>> visible_attributes() const;
  // Every settable attribute that differs from its default, for persistence.
  std::map<std::string, std::string> to_map() const;
};

// Validates attribute input (a map of name → string value) and returns the normalized values.
// `creating`: CreateQueue (FifoQueue allowed) rather than SetQueueAttributes. `fifo`: the queue's
// type (for CreateQueue: as FifoQueue says). Checks names, ranges and JSON syntax only; the engine
// checks what depends on other queues (dead-letter targets). Throws SqsError.
std::map<std::string, std::string> validate_queue_attributes(const boost::json::object* input, bool creating,
                                                             bool fifo);
// Applies validated values to settings (an empty Policy/RedrivePolicy/... removes it), then
// checks the combination (e.g. FifoThroughputLimit vs DeduplicationScope). Throws SqsError.
void apply_queue_attributes(QueueSettings& settings, const std::map<std::string, std::string>& values);

// Whether `name` is a queue attribute GetQueueAttributes knows (settable or computed), or "All".
bool is_known_queue_attribute(std::string_view name);

}  // namespace fanout::services::sqs
