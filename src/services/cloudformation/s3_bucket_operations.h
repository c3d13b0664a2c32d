// The S3 engine behind CloudFormation's BucketOperations (AWS::S3::Bucket, AWS::S3::BucketPolicy).
#pragma once

#include <memory>

#include "services/cloudformation/service_caller.h"

namespace fanout::services::s3 {
class S3Engine;
}

namespace fanout::services::cloudformation {

std::unique_ptr<BucketOperations> make_s3_bucket_operations(s3::S3Engine& s3);

}  // namespace fanout::services::cloudformation
