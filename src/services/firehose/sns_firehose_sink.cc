#include "services/firehose/sns_firehose_sink.h"

namespace fanout::services::firehose {

void SnsFirehoseSink::put_record(const std::string& /*account*/, const std::string& stream_arn,
                                 const std::string& role_arn, std::string data,
                                 std::function<void(sns::FirehosePutResult)> done) {
  // The record goes to the stream's owner (the ARN's account): on AWS the subscription role
  // grants the topic owner access to another account's stream.
  engine_.put_service_record(stream_arn, role_arn, std::move(data),
                             [done = std::move(done)](ServicePutResult r) {
                               sns::FirehosePutResult result;
                               switch (r.outcome) {
                                 case ServicePutResult::Outcome::delivered:
                                   result.outcome = sns::FirehosePutResult::Outcome::delivered;
                                   break;
                                 case ServicePutResult::Outcome::retry:
                                   result.outcome = sns::FirehosePutResult::Outcome::retry;
                                   break;
                                 case ServicePutResult::Outcome::rejected:
                                   result.outcome = sns::FirehosePutResult::Outcome::rejected;
                                   break;
                               }
                               result.error = std::move(r.error);
                               done(std::move(result));
                             });
}

sns::SettleStagedRecord SnsFirehoseSink::stage_record(const std::string& /*account*/,
                                                      const std::string& stream_arn,
                                                      const std::string& role_arn, std::string_view data,
                                                      store::Batch& batch) {
  return engine_.stage_service_record(stream_arn, role_arn, data, batch);
}

}  // namespace fanout::services::firehose
