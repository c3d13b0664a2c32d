// Amazon SNS (query protocol): Publish and PublishBatch.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "client/message_types.h"

namespace fanout::client {

struct ClientConfig;
class ServiceCaller;

struct SnsPublishRequest {
  std::string topic_arn;
  std::string message;
  std::string subject;  // optional
  MessageAttributes message_attributes;
  std::string message_group_id;          // FIFO topics
  std::string message_deduplication_id;  // FIFO topics
};

struct SnsPublishResult {
  std::string message_id;
  std::string sequence_number;  // FIFO topics
};

struct SnsPublishBatchEntry {
  std::string id;
  std::string message;
  std::string subject;
  MessageAttributes message_attributes;
  std::string message_group_id;
  std::string message_deduplication_id;
};

struct SnsPublishBatchResult {
  struct Success {
    std::string id;
    std::string message_id;
    std::string sequence_number;
  };
  std::vector<Success> successful;
  std::vector<BatchEntryError> failed;
};

class SnsClient {
 public:
  explicit SnsClient(const ClientConfig& config);
  ~SnsClient();
  SnsClient(SnsClient&&) noexcept;

  SnsPublishResult publish(const SnsPublishRequest& request);
  SnsPublishBatchResult publish_batch(const std::string& topic_arn,
                                      const std::vector<SnsPublishBatchEntry>& entries);

  ServiceCaller& caller() { return *caller_; }

 private:
  std::unique_ptr<ServiceCaller> caller_;
};

}  // namespace fanout::client
