#include "services/cloudformation/s3_bucket_operations.h"

#include <fstream>
#include <iterator>

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
  std::optional<std::string> read_object(const std::string& account_id, const std::string& bucket,
                                         const std::string& key, std::size_t max_bytes) const override {
    auto meta = s3_.head_object(account_id, bucket, key);
    if (std::holds_alternative<protocol::ServiceError>(meta)) return std::nullopt;
    std::ifstream file(s3_.object_file(account_id, bucket, std::get<s3::ObjectMeta>(meta)), std::ios::binary);
    if (!file) return std::nullopt;
    std::string bytes;
    bytes.resize(max_bytes + 1);
    file.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    bytes.resize(static_cast<std::size_t>(file.gcount()));
    return bytes;
  }

 private:
  s3::S3Engine& s3_;
};

}  // namespace

std::unique_ptr<BucketOperations> make_s3_bucket_operations(s3::S3Engine& s3) {
  return std::make_unique<S3BucketOperations>(s3);
}

}  // namespace fanout::services::cloudformation
