#include "services/service_set.h"

#include <spdlog/spdlog.h>

#include "server/gateway.h"
#include "services/cloudformation/cloudformation_engine.h"
#include "services/cloudformation/s3_bucket_operations.h"
#include "services/firehose/firehose_engine.h"
#include "services/firehose/local_s3_destination.h"
#include "services/firehose/remote_s3_destination.h"
#include "services/firehose/sns_firehose_sink.h"
#include "services/s3/s3_engine.h"
#include "services/s3/s3_frontend.h"
#include "services/sns/sns_engine.h"
#include "services/sqs/sqs_engine.h"

namespace fanout::services {

ServiceSet::ServiceSet(store::Store& store, const Clock& clock, std::string region, std::string data_dir,
                       bool verify_data)
    : store_(store), clock_(clock), region_(std::move(region)) {
  sqs_ = std::make_unique<sqs::SqsEngine>(store_, clock_, timers_);
  sns_ = std::make_unique<sns::SnsEngine>(store_, clock_, timers_, *sqs_);
  // Object files are fsynced only when the store is: a relaxed or in-memory store promises less.
  s3_ = std::make_unique<s3::S3Engine>(store_, clock_, std::move(data_dir), region_,
                                       store_.durability() == store::Durability::fsync, verify_data);
  firehose_ = std::make_unique<firehose::FirehoseEngine>(store_, clock_, timers_, region_);
  // Buckets on other S3-compatible servers (FANOUT_FIREHOSE_S3_ENDPOINTS, see remote_s3_destination.h).
  for (auto& [bucket, endpoint] : firehose::remote_endpoints_from_environment()) {
    firehose_->add_remote_destination(bucket, std::make_shared<firehose::RemoteS3Destination>(endpoint));
  }
  firehose_sink_ = std::make_unique<firehose::SnsFirehoseSink>(*firehose_);
  sns_->set_firehose_sink(firehose_sink_.get());
  firehose_local_s3_ = std::make_unique<firehose::LocalS3Destination>(*s3_);
  firehose_->set_local_destination(firehose_local_s3_.get());
  cloudformation_ = std::make_unique<cloudformation::CloudFormationEngine>(
      store_, clock_, [this](const std::string& service) -> protocol::ServiceEngine* {
        if (service == "sqs") return sqs_.get();
        if (service == "sns") return sns_.get();
        if (service == "firehose") return firehose_.get();
        return nullptr;
      });
  cloudformation_->set_bucket_operations(cloudformation::make_s3_bucket_operations(*s3_));
}

ServiceSet::~ServiceSet() {
  stop();
  cloudformation_.reset();  // its worker calls the others
  sns_.reset();             // before the SQS engine it delivers into
  firehose_sink_.reset();
  firehose_.reset();  // before the S3 engine it writes into
  sqs_.reset();
  s3_frontend_.reset();
  s3_.reset();
}

std::vector<std::string> ServiceSet::column_families() {
  std::vector<std::string> families;
  for (auto& cf : sqs::SqsEngine::column_families()) families.push_back(cf);
  for (auto& cf : sns::SnsEngine::column_families()) families.push_back(cf);
  for (auto& cf : firehose::FirehoseEngine::column_families()) families.push_back(cf);
  for (auto& cf : s3::S3Engine::column_families()) families.push_back(cf);
  for (auto& cf : cloudformation::CloudFormationEngine::column_families()) families.push_back(cf);
  return families;
}

std::vector<std::string> ServiceSet::point_read_families() { return sqs::SqsEngine::point_read_families(); }
std::vector<std::string> ServiceSet::write_only_families() { return sqs::SqsEngine::write_only_families(); }
std::vector<store::Options::SequencedKeys> ServiceSet::sequenced_families() {
  auto families = sqs::SqsEngine::sequenced_families();
  for (auto& family : firehose::FirehoseEngine::sequenced_families()) families.push_back(std::move(family));
  return families;
}

void ServiceSet::register_with(server::Gateway& gateway) {
  gateway.register_engine("sqs", sqs_.get());
  gateway.register_engine("sns", sns_.get());
  gateway.register_engine("firehose", firehose_.get());
  gateway.register_engine("cloudformation", cloudformation_.get());
  s3_frontend_ = std::make_unique<s3::S3Frontend>(*s3_, &gateway.metrics());
  gateway.register_rest_service("s3", s3_frontend_.get());
  gateway.serve_static(std::string(sns::SnsEngine::kSigningCertPath), "application/x-pem-file",
                       [this] { return sns_->signing_cert_pem(); });
  // Subscribers confirm and unsubscribe by following plain links, as on AWS.
  gateway.allow_unauthenticated("sns", "ConfirmSubscription");
  gateway.allow_unauthenticated("sns", "Unsubscribe");
  gateway.on_reset([this] {
    cloudformation_->reset();
    sns_->reset();
    firehose_->reset();
    sqs_->reset();
    s3_->reset();
    if (auto status = store_.wipe(); !status.ok)
      spdlog::error("reset: store wipe failed: {}", status.message);
  });
  gateway.on_metrics([this] {
    return store_.render_metrics() + sqs_->prometheus_metrics() + sns_->prometheus_metrics() +
           firehose_->prometheus_metrics() + s3_->prometheus_metrics();
  });
}

void ServiceSet::stop() {
  if (cloudformation_) cloudformation_->stop();
  if (sns_) sns_->stop();
  if (firehose_) firehose_->stop();
  if (sqs_) sqs_->stop();
  if (s3_) s3_->stop();
}

}  // namespace fanout::services
