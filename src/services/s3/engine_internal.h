// S3Engine's state, shared by the engine_*.cc files.
#pragma once

#include <atomic>
#include <boost/asio/thread_pool.hpp>
#include <map>
#include <mutex>
#include <string>

#include "services/s3/s3_engine.h"
#include "store/store.h"

namespace fanout::services::s3 {

inline constexpr std::string_view kBucketsCf = "s3_buckets";
inline constexpr std::string_view kObjectsCf = "s3_objects";
inline constexpr std::string_view kUploadsCf = "s3_uploads";
inline constexpr std::string_view kPartsCf = "s3_parts";

struct Upload {
  std::string id, key;
  ObjectAttributes attributes;
  std::int64_t initiated_ms = 0;
  std::map<int, PartSummary> parts;
};

struct Bucket {
  std::string name, account, region;
  std::int64_t created_ms = 0;
  std::string policy;  // "" = none
  Tags tags;
  bool has_tags = false;
  std::map<std::string, ObjectMeta> objects;  // by key, in S3's (byte) order
  std::map<std::string, Upload> uploads;      // by upload id
};

struct S3Engine::Impl {
  Impl(store::Store& s, const Clock& c, std::string data, std::string region, bool sync);

  store::Store& store;
  const Clock& clock;
  std::string root;     // <data-dir>/s3
  std::string tmp;      // <root>/.tmp
  std::string uploads;  // <root>/.uploads
  std::string default_region;
  bool sync_files;
  boost::asio::thread_pool pool{4};  // file work (fsync, copies) off the I/O threads

  mutable std::mutex mu;
  std::map<std::string, Bucket> buckets;  // bucket names are global across accounts
  std::atomic<std::uint64_t> temp_counter{0};
  std::atomic<std::uint64_t> puts{0}, gets{0};

  std::string bucket_dir(const Bucket& b) const { return root + "/" + b.account + "/" + b.name; }
  std::string upload_dir(const std::string& id) const { return uploads + "/" + id; }
  std::string temp_path() {
    return tmp + "/" + std::to_string(++temp_counter) + "-" + std::to_string(clock.now_ms());
  }

  // Under mu: the bucket if `account` may use it, else the error.
  Bucket* find_bucket(const std::string& account, const std::string& bucket, protocol::ServiceError& error);
  const Bucket* find_bucket(const std::string& account, const std::string& bucket,
                            protocol::ServiceError& error) const;

  static std::string object_key(const std::string& bucket, const std::string& key) {
    return bucket + '\0' + key;
  }
  std::string bucket_record(const Bucket& b) const;

  // Commits a staged (fsynced or not) temp file as bucket/key. Runs on the pool.
  void commit_object(const std::string& account, const std::string& bucket, const std::string& key,
                     const std::string& temp_path, ObjectMeta meta,
                     std::function<void(Outcome<ObjectMeta>)> done);

  // verify_bodies: read every single-part object's file and check it against its ETag.
  void load_and_reconcile(bool verify_bodies);
};

std::string quoted_md5_etag(const std::string& raw_md5);

}  // namespace fanout::services::s3
