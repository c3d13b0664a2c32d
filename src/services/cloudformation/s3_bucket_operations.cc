#include "services/cloudformation/s3_bucket_operations.h"

#include "services/s3/s3_engine.h"

namespace fanout::services::cloudformation {

namespace {

class S3BucketOperations final : public BucketOperations {
 public:
  explicit S3BucketOperations(s3::S3Engine& s3) : s3_(s3) {}

  std::optional<protocol::ServiceError> create_bucket(const std::string& account_id,
                                                      const std::string& bucket,
                                                      const std::string& region) override {
    return s3_.create_bucket(account_id, bucket, region);
  }
  std::optional<protocol::ServiceError> delete_bucket(const std::string& account_id,
                                                      const std::string& bucket) override {
    return s3_.delete_bucket(account_id, bucket);
  }
  // An empty policy removes the bucket's policy (AWS::S3::BucketPolicy deleted).
  std::optional<protocol::ServiceError> put_bucket_policy(const std::string& account_id,
                                                          const std::string& bucket,
                                                          const std::string& policy_json) override {
    if (policy_json.empty()) return s3_.delete_bucket_policy(account_id, bucket);
    return s3_.put_bucket_policy(account_id, bucket, policy_json);
  }
  bool bucket_exists(const std::string& account_id, const std::string& bucket) const override {
    return s3_.bucket_exists(account_id, bucket);
  }

 private:
  s3::S3Engine& s3_;
};

}  // namespace

std::unique_ptr<BucketOperations> make_s3_bucket_operations(s3::S3Engine& s3) {
  return std::make_unique<S3BucketOperations>(s3);
}

}  // namespace fanout::services::cloudformation
