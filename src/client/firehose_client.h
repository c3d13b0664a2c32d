// Amazon Data Firehose (awsJson 1.1, Firehose_20150804.* targets): PutRecord and PutRecordBatch.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace fanout::client {

struct ClientConfig;
class ServiceCaller;

struct FirehosePutResult {
  std::string record_id;
  bool encrypted = false;
};

struct FirehoseBatchResult {
  int failed_put_count = 0;
  bool encrypted = false;
  struct Entry {
    std::string record_id;  // set on success
    std::string error_code;
    std::string error_message;
  };
  std::vector<Entry> responses;  // one per record, in request order
};

class FirehoseClient {
 public:
  explicit FirehoseClient(const ClientConfig& config);
  ~FirehoseClient();
  FirehoseClient(FirehoseClient&&) noexcept;

  // `data` is the raw record (base64-encoded on the wire).
  FirehosePutResult put_record(const std::string& stream_name, const std::string& data);
  FirehoseBatchResult put_record_batch(const std::string& stream_name,
                                       const std::vector<std::string>& records);

  ServiceCaller& caller() { return *caller_; }

 private:
  std::unique_ptr<ServiceCaller> caller_;
};

}  // namespace fanout::client
