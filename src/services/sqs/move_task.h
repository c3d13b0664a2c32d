// A message move task (StartMessageMoveTask): moves messages out of a dead-letter queue, back
// to the queues they came from or to a chosen destination, at a bounded rate. The record is
// persisted so ListMessageMoveTasks survives a restart and a running task resumes.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/timer_queue.h"

namespace fanout::services::sqs {

struct MoveTask {
  std::string task_id;
  std::string account;
  std::string source_arn;
  std::string destination_arn;  // "" = each message's original source queue
  std::optional<std::int64_t> max_per_second;
  std::string status = "RUNNING";  // RUNNING | COMPLETED | CANCELLING | CANCELLED | FAILED
  std::int64_t moved = 0;
  std::int64_t to_move = 0;
  std::int64_t started_ms = 0;
  std::string failure_reason;
  std::uint64_t source_queue_id = 0;
  std::uint64_t seq_limit = 0;  // messages sent to the source after the start are not moved

  // --- runtime only ---
  TimerQueue::TimerId timer = 0;

  bool active() const { return status == "RUNNING" || status == "CANCELLING"; }
  // The opaque TaskHandle: base64 of {"taskId":..,"sourceArn":..}.
  std::string handle() const;
  // The task id inside a handle, or nullopt when it is not one of ours.
  static std::optional<std::string> task_id_from_handle(std::string_view handle);

  // ListMessageMoveTasksResultEntry.
  boost::json::object to_result_entry() const;

  std::string encode() const;
  static std::optional<MoveTask> decode(std::string_view json);
};

}  // namespace fanout::services::sqs
