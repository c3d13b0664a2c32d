// Keeps the messages of a batch invisible while the batch is being worked on: every half
// visibility timeout it extends them (ChangeMessageVisibilityBatch), so slow work is not
// redelivered to another worker mid-way.
//
// cover() only records the batch and when it began; it does not wake the thread, which sleeps
// until the batch's first extension is due (or, with nothing covered, half a timeout at most).
// A worker covers and uncovers every batch it receives, and two wake-ups per batch were ~5% of
// a consumer's CPU at 5,000 events/s.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "client/client_config.h"
#include "client/sqs_client.h"

namespace fanout::apps {

class VisibilityExtender {
 public:
  VisibilityExtender(const client::ClientConfig& config, std::string queue_url,
                     int visibility_timeout_seconds);
  ~VisibilityExtender();
  VisibilityExtender(const VisibilityExtender&) = delete;
  VisibilityExtender& operator=(const VisibilityExtender&) = delete;

  // Starts covering these messages (replacing any previous batch); cover({}) stops.
  void cover(std::vector<client::SqsReceiptEntry> entries);
  int extensions() const;

 private:
  void run();

  client::SqsClient sqs_;
  std::string queue_url_;
  int visibility_timeout_;
  mutable std::mutex mutex_;
  std::condition_variable stop_requested_;
  std::vector<client::SqsReceiptEntry> entries_;
  std::chrono::steady_clock::time_point covered_at_;  // when entries_ were last made invisible
  std::uint64_t generation_ = 0;                      // bumped by every cover()
  bool stopping_ = false;
  int extensions_ = 0;
  std::thread thread_;
};

}  // namespace fanout::apps
