#include "services/s3/digest_pipeline.h"

namespace fanout::services::s3 {

DigestPipeline::DigestPipeline(std::function<void(const char*, std::size_t)> hash)
    : hash_(std::move(hash)), thread_([this] { run(); }) {}

DigestPipeline::~DigestPipeline() { finish(); }

void DigestPipeline::push(const char* data, std::size_t size) {
  std::unique_lock lock(mu_);
  space_.wait(lock, [&] { return queued_bytes_ < kMaxQueuedBytes; });
  queue_.emplace_back(data, size);
  queued_bytes_ += size;
  lock.unlock();
  ready_.notify_one();
}

void DigestPipeline::finish() {
  {
    std::lock_guard lock(mu_);
    if (closed_ && !thread_.joinable()) return;
    closed_ = true;
  }
  ready_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void DigestPipeline::run() {
  while (true) {
    std::string block;
    {
      std::unique_lock lock(mu_);
      ready_.wait(lock, [&] { return !queue_.empty() || closed_; });
      if (queue_.empty()) return;
      block = std::move(queue_.front());
      queue_.pop_front();
    }
    hash_(block.data(), block.size());
    {
      std::lock_guard lock(mu_);
      queued_bytes_ -= block.size();
    }
    space_.notify_one();
  }
}

}  // namespace fanout::services::s3
