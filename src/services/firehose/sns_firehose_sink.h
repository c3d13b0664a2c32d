// Where SNS hands its Firehose subscriptions' deliveries (sns::FirehoseSink): each message
// becomes one record of the subscribed delivery stream, put through the Firehose engine.
#pragma once

#include "services/firehose/firehose_engine.h"
#include "services/sns/firehose_sink.h"

namespace fanout::services::firehose {

class SnsFirehoseSink final : public sns::FirehoseSink {
 public:
  explicit SnsFirehoseSink(FirehoseEngine& engine) : engine_(engine) {}
  void put_record(const std::string& account, const std::string& stream_arn, const std::string& role_arn,
                  std::string data, std::function<void(sns::FirehosePutResult)> done) override;
  sns::SettleStagedRecord stage_record(const std::string& account, const std::string& stream_arn,
                                       const std::string& role_arn, std::string_view data,
                                       store::Batch& batch) override;

 private:
  FirehoseEngine& engine_;
};

}  // namespace fanout::services::firehose
