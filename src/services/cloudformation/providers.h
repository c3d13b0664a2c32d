// The resource types fanoutd provides (one file each).
#pragma once

#include <memory>
#include <string>

#include "services/cloudformation/resource_provider.h"

namespace fanout::services::cloudformation {

std::unique_ptr<ResourceProvider> make_sqs_queue_provider();
std::unique_ptr<ResourceProvider> make_sqs_queue_policy_provider();
std::unique_ptr<ResourceProvider> make_sns_topic_provider();
std::unique_ptr<ResourceProvider> make_sns_subscription_provider();
std::unique_ptr<ResourceProvider> make_sns_topic_policy_provider();
std::unique_ptr<ResourceProvider> make_iam_provider(const std::string& type);
std::unique_ptr<ResourceProvider> make_firehose_stream_provider();
std::unique_ptr<ResourceProvider> make_s3_bucket_provider();
std::unique_ptr<ResourceProvider> make_s3_bucket_policy_provider();

}  // namespace fanout::services::cloudformation
