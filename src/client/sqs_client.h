// Amazon SQS over the JSON protocol (AmazonSQS.* targets, as current SDKs speak it), with the
// SDKs' MD5 verification of sent and received bodies and attributes.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "client/message_types.h"

namespace fanout::client {

struct ClientConfig;
class ServiceCaller;

struct SqsSendRequest {
  std::string queue_url;
  std::string body;
  std::optional<int> delay_seconds;
  MessageAttributes message_attributes;
  std::string message_group_id;
  std::string message_deduplication_id;
};

struct SqsSendResult {
  std::string message_id;
  std::string md5_of_body;
  std::string md5_of_attributes;
  std::string sequence_number;
};

struct SqsSendBatchEntry {
  std::string id;
  std::string body;
  std::optional<int> delay_seconds;
  MessageAttributes message_attributes;
  std::string message_group_id;
  std::string message_deduplication_id;
};

struct SqsSendBatchResult {
  std::vector<std::pair<std::string, SqsSendResult>> successful;  // by entry id
  std::vector<BatchEntryError> failed;
};

struct SqsReceiveRequest {
  std::string queue_url;
  int max_messages = 10;
  int wait_time_seconds = 20;
  std::optional<int> visibility_timeout;
  // What to return with each message, by name or "All"; empty asks for none. Each one asked for is
  // built by the server, sent and (message attributes) checked against its MD5 here.
  std::vector<std::string> message_attribute_names{"All"};
  std::vector<std::string> system_attribute_names{"All"};  // ApproximateReceiveCount, SentTimestamp, ...
};

struct SqsMessage {
  std::string message_id;
  std::string receipt_handle;
  std::string body;
  std::string md5_of_body;
  std::map<std::string, std::string> attributes;  // system attributes
  MessageAttributes message_attributes;
};

struct SqsReceiptEntry {
  std::string id;
  std::string receipt_handle;
  int visibility_timeout = 0;  // ChangeMessageVisibilityBatch only
};

struct SqsBatchResult {
  std::vector<std::string> successful;  // entry ids
  std::vector<BatchEntryError> failed;
};

class SqsClient {
 public:
  explicit SqsClient(const ClientConfig& config);
  ~SqsClient();
  SqsClient(SqsClient&&) noexcept;

  SqsSendResult send_message(const SqsSendRequest& request);
  SqsSendBatchResult send_message_batch(const std::string& queue_url,
                                        const std::vector<SqsSendBatchEntry>& entries);
  std::vector<SqsMessage> receive_message(const SqsReceiveRequest& request);
  void delete_message(const std::string& queue_url, const std::string& receipt_handle);
  SqsBatchResult delete_message_batch(const std::string& queue_url,
                                      const std::vector<SqsReceiptEntry>& entries);
  void change_message_visibility(const std::string& queue_url, const std::string& receipt_handle,
                                 int visibility_timeout);
  SqsBatchResult change_message_visibility_batch(const std::string& queue_url,
                                                 const std::vector<SqsReceiptEntry>& entries);
  std::map<std::string, std::string> get_queue_attributes(const std::string& queue_url,
                                                          const std::vector<std::string>& names = {"All"});

  ServiceCaller& caller() { return *caller_; }

 private:
  std::unique_ptr<ServiceCaller> caller_;
};

}  // namespace fanout::client
