#include "services/cloudformation/providers.h"

namespace fanout::services::cloudformation {

std::unique_ptr<ResourceProvider> make_provider(const std::string& type) {
  if (type == "AWS::SQS::Queue") return make_sqs_queue_provider();
  if (type == "AWS::SQS::QueuePolicy") return make_sqs_queue_policy_provider();
  if (type == "AWS::SNS::Topic") return make_sns_topic_provider();
  if (type == "AWS::SNS::Subscription") return make_sns_subscription_provider();
  if (type == "AWS::SNS::TopicPolicy") return make_sns_topic_policy_provider();
  if (type == "AWS::IAM::Role" || type == "AWS::IAM::Policy" || type == "AWS::IAM::ManagedPolicy") {
    return make_iam_provider(type);
  }
  if (type == "AWS::KinesisFirehose::DeliveryStream") return make_firehose_stream_provider();
  if (type == "AWS::S3::Bucket") return make_s3_bucket_provider();
  if (type == "AWS::S3::BucketPolicy") return make_s3_bucket_policy_provider();
  return nullptr;
}

}  // namespace fanout::services::cloudformation
