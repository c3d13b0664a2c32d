// The service engines fanoutd runs, wired to the store, the clock and the timers, and
// registered with the gateway.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/timer_queue.h"
#include "store/store.h"

namespace fanout::server {
class Gateway;
}
namespace fanout::services::sqs {
class SqsEngine;
}
namespace fanout::services::sns {
class SnsEngine;
}
namespace fanout::services::firehose {
class FirehoseEngine;
class ObjectDestination;
class SnsFirehoseSink;
}  // namespace fanout::services::firehose
namespace fanout::services::s3 {
class S3Engine;
class S3Frontend;
}  // namespace fanout::services::s3

namespace fanout::services::cloudformation {
class CloudFormationEngine;
}

namespace fanout::services {

class ServiceSet {
 public:
  // data_dir: where S3 keeps object files (<data_dir>/s3).
  // verify_data: S3 checks every single-part object's file against its ETag at start.
  ServiceSet(store::Store& store, const Clock& clock, std::string region,
             std::string data_dir = ".fanout-data", bool verify_data = false);
  ~ServiceSet();

  // Every column family any engine uses, for opening the store.
  static std::vector<std::string> column_families();
  // The families read by key under load (store::Options::point_read_families).
  static std::vector<std::string> point_read_families();
  // The families only written while running (store::Options::write_only_families).
  static std::vector<std::string> write_only_families();
  // The families keyed by prefix and growing seq (store::Options::sequenced_families).
  static std::vector<store::Options::SequencedKeys> sequenced_families();

  void register_with(server::Gateway& gateway);
  // Shutdown: answer pending long polls, stop timers.
  void stop();

  sqs::SqsEngine& sqs() { return *sqs_; }
  sns::SnsEngine& sns() { return *sns_; }
  cloudformation::CloudFormationEngine& cloudformation() { return *cloudformation_; }
  firehose::FirehoseEngine& firehose() { return *firehose_; }
  s3::S3Engine& s3() { return *s3_; }

 private:
  store::Store& store_;
  const Clock& clock_;
  std::string region_;
  TimerQueue timers_;
  std::unique_ptr<sqs::SqsEngine> sqs_;
  std::unique_ptr<sns::SnsEngine> sns_;  // after sqs_: it delivers into it
  std::unique_ptr<firehose::FirehoseEngine> firehose_;
  std::unique_ptr<firehose::SnsFirehoseSink> firehose_sink_;        // SNS → Firehose
  std::unique_ptr<firehose::ObjectDestination> firehose_local_s3_;  // Firehose → this server's S3
  std::unique_ptr<s3::S3Engine> s3_;
  std::unique_ptr<s3::S3Frontend> s3_frontend_;
  // Last: it provisions resources in every other engine.
  std::unique_ptr<cloudformation::CloudFormationEngine> cloudformation_;
};

}  // namespace fanout::services
