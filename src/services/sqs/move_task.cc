#include "services/sqs/move_task.h"

#include <boost/json.hpp>

#include "common/crypto.h"

namespace fanout::services::sqs {

std::string MoveTask::handle() const {
  boost::json::object o;
  o["taskId"] = task_id;
  o["sourceArn"] = source_arn;
  return crypto::base64_encode(boost::json::serialize(o));
}

std::optional<std::string> MoveTask::task_id_from_handle(std::string_view handle) {
  auto decoded = crypto::base64_decode(handle);
  if (!decoded) return std::nullopt;
  boost::system::error_code ec;
  auto value = boost::json::parse(*decoded, ec);
  if (ec || !value.is_object()) return std::nullopt;
  auto* id = value.get_object().if_contains("taskId");
  if (id == nullptr || !id->is_string()) return std::nullopt;
  return std::string(id->get_string());
}

boost::json::object MoveTask::to_result_entry() const {
  boost::json::object o;
  if (status == "RUNNING") o["TaskHandle"] = handle();
  o["Status"] = status;
  o["SourceArn"] = source_arn;
  if (!destination_arn.empty()) o["DestinationArn"] = destination_arn;
  if (max_per_second) o["MaxNumberOfMessagesPerSecond"] = *max_per_second;
  o["ApproximateNumberOfMessagesMoved"] = moved;
  o["ApproximateNumberOfMessagesToMove"] = to_move;
  if (status == "FAILED" && !failure_reason.empty()) o["FailureReason"] = failure_reason;
  o["StartedTimestamp"] = started_ms;
  return o;
}

std::string MoveTask::encode() const {
  boost::json::object o;
  o["task_id"] = task_id;
  o["account"] = account;
  o["source_arn"] = source_arn;
  o["destination_arn"] = destination_arn;
  if (max_per_second) o["max_per_second"] = *max_per_second;
  o["status"] = status;
  o["moved"] = moved;
  o["to_move"] = to_move;
  o["started_ms"] = started_ms;
  o["failure_reason"] = failure_reason;
  o["source_queue_id"] = source_queue_id;
  o["seq_limit"] = seq_limit;
  return boost::json::serialize(o);
}

std::optional<MoveTask> MoveTask::decode(std::string_view json) {
  boost::system::error_code ec;
  auto value = boost::json::parse(json, ec);
  if (ec || !value.is_object()) return std::nullopt;
  const auto& o = value.get_object();
  try {
    MoveTask t;
    t.task_id = std::string(o.at("task_id").as_string());
    t.account = std::string(o.at("account").as_string());
    t.source_arn = std::string(o.at("source_arn").as_string());
    t.destination_arn = std::string(o.at("destination_arn").as_string());
    if (auto* rate = o.if_contains("max_per_second"))
      t.max_per_second = boost::json::value_to<std::int64_t>(*rate);
    t.status = std::string(o.at("status").as_string());
    t.moved = boost::json::value_to<std::int64_t>(o.at("moved"));
    t.to_move = boost::json::value_to<std::int64_t>(o.at("to_move"));
    t.started_ms = boost::json::value_to<std::int64_t>(o.at("started_ms"));
    t.failure_reason = std::string(o.at("failure_reason").as_string());
    t.source_queue_id = boost::json::value_to<std::uint64_t>(o.at("source_queue_id"));
    t.seq_limit = boost::json::value_to<std::uint64_t>(o.at("seq_limit"));
    return t;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace fanout::services::sqs
