// Receive requests as the engine carries them, and the long-poll waiters that park them: a
// waiter holds its completion, costs no thread, and is finished by whichever comes first — a
// message becoming receivable (a send, a delay or visibility timeout ending), its deadline
// timer, DeleteQueue, or engine shutdown. All fields but `done` are guarded by the queue mutex.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/timer_queue.h"
#include "protocol/operation.h"

namespace fanout::services::sqs {

struct ReceiveOptions {
  std::size_t max_messages = 1;
  std::int64_t visibility_timeout_s = 0;
  std::int64_t wait_ms = 0;
  std::vector<std::string> system_attribute_names;   // AttributeNames ∪ MessageSystemAttributeNames
  std::vector<std::string> message_attribute_names;  // MessageAttributeNames
  std::string attempt_id;                            // FIFO ReceiveRequestAttemptId
};

struct Waiter {
  std::uint64_t id = 0;
  ReceiveOptions options;
  protocol::Completion done;
  TimerQueue::TimerId deadline_timer = 0;
};

}  // namespace fanout::services::sqs
