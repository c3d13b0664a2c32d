// Hashes a large upload on a second thread while the I/O thread keeps receiving and writing it:
// MD5 (the ETag) alone runs at about half the speed of a page-cache copy, so hashing in line
// would cap a PUT far below what the disk and the socket allow. The queue is bounded, so a
// sender faster than the hashing is slowed down instead of buffered in memory.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace fanout::services::s3 {

class DigestPipeline {
 public:
  // `hash` runs on the pipeline's thread for every block, in order.
  explicit DigestPipeline(std::function<void(const char*, std::size_t)> hash);
  ~DigestPipeline();  // finishes the queue
  DigestPipeline(const DigestPipeline&) = delete;
  DigestPipeline& operator=(const DigestPipeline&) = delete;

  void push(const char* data, std::size_t size);
  // Waits until every pushed block has been hashed.
  void finish();

 private:
  void run();

  static constexpr std::size_t kMaxQueuedBytes = 8 << 20;
  std::function<void(const char*, std::size_t)> hash_;
  std::mutex mu_;
  std::condition_variable ready_, space_;
  std::deque<std::string> queue_;
  std::size_t queued_bytes_ = 0;
  bool closed_ = false;
  std::thread thread_;
};

}  // namespace fanout::services::s3
