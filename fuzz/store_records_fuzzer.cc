// What fanoutd reads back from RocksDB (and the opaque tokens it hands clients, which come back
// as untrusted text): SQS message, meta, dedup, move-task and queue records, receipt handles; SNS
// topic, subscription and outbox records and NextTokens; Firehose buffered records, their keys
// and stream configs; S3 object metadata and tags; CloudFormation stacks. A corrupted or
// truncated record must come back as an error (nullopt/null/false, or a std::exception where the
// recovery loop catches one), never undefined behaviour; what decodes must encode and decode
// again.
#include <boost/json/parse.hpp>
#include <cstdint>
#include <exception>
#include <string>

#include "fuzz_input.h"
#include "services/cloudformation/stack.h"
#include "services/firehose/delivery_stream.h"
#include "services/firehose/engine_internal.h"
#include "services/s3/object_meta.h"
#include "services/sns/outbox_entry.h"
#include "services/sns/pagination.h"
#include "services/sns/subscription.h"
#include "services/sns/topic.h"
#include "services/sqs/dedup_cache.h"
#include "services/sqs/message_record.h"
#include "services/sqs/move_task.h"
#include "services/sqs/queue.h"
#include "services/sqs/receipt_handle.h"

namespace {

namespace json = boost::json;

// Records whose recovery loop catches std::exception (skipping the record with a log line):
// for these a throw is the error. The record must be a JSON object to get here.
template <class Decode>
void json_record(std::string_view text, Decode decode) {
  boost::system::error_code ec;
  auto value = json::parse(text, ec);
  if (ec || !value.is_object()) return;
  try {
    decode(value.get_object());
  } catch (const std::exception&) {
  }
}

void sqs_records(int which, std::string_view bytes) {
  using namespace fanout::services::sqs;
  switch (which) {
    case 0:
      if (auto record = decode_message(bytes)) {
        if (!decode_message(encode_message(*record))) __builtin_trap();
      }
      break;
    case 1:
      if (auto meta = decode_meta(bytes)) {
        auto again = decode_meta(encode_meta(*meta));
        if (!again || again->receive_count != meta->receive_count || again->group_id != meta->group_id) {
          __builtin_trap();
        }
      }
      break;
    case 2:
      if (auto entry = DedupCache::decode(bytes)) {
        if (!DedupCache::decode(DedupCache::encode(*entry))) __builtin_trap();
      }
      break;
    case 3:
      if (auto task = MoveTask::decode(bytes)) {
        if (!MoveTask::decode(task->encode())) __builtin_trap();
      }
      break;
    case 4:
      if (auto queue = Queue::decode_record(bytes)) {
        if (!Queue::decode_record(queue->encode_record())) __builtin_trap();
      }
      break;
    case 5: {
      static const ReceiptHandleCodec codec(std::string(32, 'k'));
      if (auto handle = codec.decode(bytes)) {
        auto again = codec.decode(codec.encode(*handle));
        if (!again || again->seq != handle->seq || again->queue_id != handle->queue_id) __builtin_trap();
      }
      break;
    }
    default:
      (void)parse_message_key(bytes);
  }
}

void sns_records(int which, std::string_view bytes) {
  using namespace fanout::services::sns;
  switch (which) {
    case 0:
      json_record(bytes,
                  [](const json::object& o) { (void)Topic::from_record(Topic::from_record(o).to_record()); });
      break;
    case 1:
      json_record(bytes, [](const json::object& o) {
        (void)Subscription::from_record(Subscription::from_record(o).to_record());
      });
      break;
    case 2:
      try {
        (void)OutboxEntry::from_record(OutboxEntry::parse(bytes).to_record());
      } catch (const std::exception&) {
      }
      break;
    default:
      (void)decode_next_token(bytes);
  }
}

void other_records(int which, std::string_view bytes) {
  switch (which) {
    case 0: {
      using namespace fanout::services::firehose;
      std::int64_t arrival_ms = 0;
      std::string partition, data;
      if (decode_record(bytes, arrival_ms, partition, data)) {
        (void)partition_keys(partition);
        if (encode_record(arrival_ms, partition, data) != bytes) __builtin_trap();
      }
      // The same bytes as a record key (recovery reads it back; a bad one stops the start).
      std::string_view stream_id;
      std::uint64_t seq = 0;
      if (parse_record_key(bytes, stream_id, seq) && record_key(stream_id, seq) != bytes) __builtin_trap();
      break;
    }
    case 1:
      json_record(bytes, [](const json::object& o) {
        using fanout::services::firehose::StreamConfig;
        (void)StreamConfig::from_json(StreamConfig::from_json(o).to_json());
      });
      break;
    case 2: {
      using namespace fanout::services::s3;
      if (auto meta = decode_object_meta(bytes)) {
        if (!decode_object_meta(encode_object_meta(*meta))) __builtin_trap();
      }
      auto tags = decode_tags(bytes);
      if (decode_tags(encode_tags(tags)) != tags) __builtin_trap();
      break;
    }
    default:
      // A stack record that does not read throws: the CloudFormation recovery lets that stop
      // fanoutd at start with the reason (a damaged data dir is reported, not half loaded).
      json_record(bytes, [](const json::object& o) {
        using fanout::services::cloudformation::Stack;
        (void)Stack::from_json(Stack::from_json(o).to_json());
      });
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fanout::fuzz::FuzzInput input(data, size);
  const std::uint8_t selector = input.byte();
  auto bytes = input.rest();
  switch (selector % 3) {
    case 0:
      sqs_records((selector / 3) % 7, bytes);
      break;
    case 1:
      sns_records((selector / 3) % 4, bytes);
      break;
    default:
      other_records((selector / 3) % 4, bytes);
  }
  return 0;
}
