// The console's read-only view of a delivery stream's buffers and deliveries.
#include "services/firehose/engine_internal.h"

namespace fanout::services::firehose {

std::optional<FirehoseEngine::StreamActivity> FirehoseEngine::stream_activity(const std::string& account,
                                                                              const std::string& name) const {
  auto stream = find_stream(account, name);
  if (!stream) return std::nullopt;
  StreamActivity activity;
  {
    std::lock_guard lock(stream->mutex);
    if (stream->deleted) return std::nullopt;
    for (const auto& [partition, buffer] : stream->buffers) {
      activity.buffered_bytes += buffer.bytes;
      activity.buffered_records += buffer.records.size();
      if (!buffer.records.empty() &&
          (activity.oldest_record_ms == 0 || buffer.oldest_ms < activity.oldest_record_ms)) {
        activity.oldest_record_ms = buffer.oldest_ms;
      }
    }
    activity.objects_waiting = stream->queued.size() + (stream->in_flight ? 1 : 0);
    activity.last_failure = stream->failure;
  }
  activity.objects_delivered = stream->objects_delivered.load(std::memory_order_relaxed);
  activity.delivery_failures = stream->delivery_failures.load(std::memory_order_relaxed);
  return activity;
}

}  // namespace fanout::services::firehose
