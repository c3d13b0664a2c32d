// The S3 engine: buckets and objects stored as plain files under
// <data-dir>/s3/<account>/<bucket>/<key>, their metadata in the store.
//
// Two faces: the typed in-process API at the top (Firehose delivery and CloudFormation call it;
// keep these signatures stable), and the operations the REST front end (s3_frontend.h) maps
// HTTP requests onto.
//
// Durability: an object write is a temp file in <data-dir>/s3/.tmp (same filesystem), fsynced,
// renamed into place, its directory fsynced, then its metadata committed; only then is the write
// acknowledged. On start the engine reconciles files and metadata (see object_files.h).
//
// Concurrency: every method may be called on any thread. Metadata lives in memory behind one
// mutex, which is never held across file I/O or a store commit wait.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "common/clock.h"
#include "protocol/service_error.h"
#include "services/s3/object_meta.h"

namespace fanout::store {
class Store;
}

namespace fanout::services::s3 {

// ---- Typed API for other engines ----

struct LocalPutObject {
  std::string account_id, bucket, key, content_type, content_encoding;
  std::string body;
  std::map<std::string, std::string> metadata;  // user metadata (x-amz-meta-*), names lower-case
};

struct LocalPutResult {
  std::optional<protocol::ServiceError> error;
  std::string etag;  // quoted, as S3 returns it
};

// ---- What the front end passes in ----

// A request body already written to a temp file inside the engine's tmp dir (see
// S3Engine::temp_dir()), with its digests computed while it streamed in. The engine takes
// ownership of the file: it renames it into place or removes it.
struct StagedBody {
  std::string temp_path;
  std::uint64_t size = 0;
  std::string md5;                               // raw 16 bytes
  std::map<std::string, std::string> checksums;  // "CRC32" → base64, as validated by the front end
};

struct ListQuery {
  std::string prefix, delimiter, start_after;  // start_after: also the V1 marker / decoded V2 token
  int max_keys = 1000;
};

struct ListResult {
  std::vector<ObjectMeta> objects;
  std::vector<std::string> common_prefixes;
  bool truncated = false;
  std::string next_marker;  // the last key or common prefix returned
};

struct BucketSummary {
  std::string name;
  std::int64_t created_ms = 0;
  std::string region;
};

struct PartSummary {
  int part_number = 0;
  std::uint64_t size = 0;
  std::string etag;  // quoted
  std::int64_t last_modified_ms = 0;
  std::map<std::string, std::string> checksums;
};

struct UploadSummary {
  std::string upload_id, key;
  std::int64_t initiated_ms = 0;
};

struct CompletedPart {
  int part_number = 0;
  std::string etag;  // as the client sent it (quotes optional)
};

template <class T>
using Outcome = std::variant<T, protocol::ServiceError>;

class S3Engine {
 public:
  // data_dir: fanoutd's data directory (objects go under data_dir/s3). sync_files: fsync files
  // and directories (false when the store itself is not durable). verify_bodies: at start, read
  // every single-part object's file and refuse to start if one no longer matches its ETag
  // (fanoutd --verify-data).
  S3Engine(store::Store& store, const Clock& clock, std::string data_dir, std::string default_region,
           bool sync_files = true, bool verify_bodies = false);
  ~S3Engine();
  S3Engine(const S3Engine&) = delete;
  S3Engine& operator=(const S3Engine&) = delete;

  static std::vector<std::string> column_families();

  // ---- In-process API (stable) ----
  // Durable (file fsynced + metadata committed) when done is called; done on any thread.
  void put_object(LocalPutObject request, std::function<void(LocalPutResult)> done);
  std::optional<protocol::ServiceError> create_bucket(const std::string& account_id,
                                                      const std::string& bucket, const std::string& region);
  std::optional<protocol::ServiceError> delete_bucket(const std::string& account_id,
                                                      const std::string& bucket);  // BucketNotEmpty etc.
  std::optional<protocol::ServiceError> put_bucket_policy(const std::string& account_id,
                                                          const std::string& bucket,
                                                          const std::string& policy_json);
  bool bucket_exists(const std::string& account_id, const std::string& bucket) const;

  // ---- Operations behind the REST front end ----
  // Where the front end stages bodies (same filesystem as the objects).
  const std::string& temp_dir() const;
  // A fresh unique path inside temp_dir().
  std::string new_temp_path();

  std::vector<BucketSummary> list_buckets(const std::string& account_id) const;
  // NoSuchBucket, or AccessDenied (403) when another account owns the name.
  std::optional<protocol::ServiceError> check_bucket(const std::string& account_id,
                                                     const std::string& bucket) const;
  Outcome<std::string> bucket_region(const std::string& account_id, const std::string& bucket) const;
  Outcome<std::string> get_bucket_policy(const std::string& account_id, const std::string& bucket) const;
  std::optional<protocol::ServiceError> delete_bucket_policy(const std::string& account_id,
                                                             const std::string& bucket);
  Outcome<Tags> get_bucket_tagging(const std::string& account_id, const std::string& bucket) const;
  std::optional<protocol::ServiceError> put_bucket_tagging(const std::string& account_id,
                                                           const std::string& bucket, Tags tags);

  // Commits a staged body as bucket/key with the given attributes; done once durable.
  void put_object(const std::string& account_id, const std::string& bucket, const std::string& key,
                  StagedBody body, ObjectAttributes attributes,
                  std::function<void(Outcome<ObjectMeta>)> done);
  Outcome<ObjectMeta> head_object(const std::string& account_id, const std::string& bucket,
                                  const std::string& key) const;
  // Absolute path of an object's file (open it with O_RDONLY; a concurrent overwrite renames a
  // new file over it, so an open descriptor keeps reading the version it opened).
  std::string object_file(const std::string& account_id, const std::string& bucket,
                          const ObjectMeta& meta) const;
  // Deleting a missing key succeeds, as on S3.
  std::optional<protocol::ServiceError> delete_object(const std::string& account_id,
                                                      const std::string& bucket, const std::string& key);
  // Copies source into a staged file and commits it; `attributes` is used when replace_metadata
  // is set, otherwise the source's attributes are kept.
  void copy_object(const std::string& account_id, const std::string& src_bucket, const std::string& src_key,
                   const std::string& dst_bucket, const std::string& dst_key, bool replace_metadata,
                   ObjectAttributes attributes, std::function<void(Outcome<ObjectMeta>)> done);
  Outcome<ListResult> list_objects(const std::string& account_id, const std::string& bucket,
                                   const ListQuery& query) const;

  std::optional<protocol::ServiceError> put_object_tagging(const std::string& account_id,
                                                           const std::string& bucket, const std::string& key,
                                                           Tags tags);

  // ---- Multipart ----
  Outcome<std::string> create_multipart_upload(const std::string& account_id, const std::string& bucket,
                                               const std::string& key, ObjectAttributes attributes);
  // Stores one part (replacing an earlier upload of the same number); done once durable.
  void upload_part(const std::string& account_id, const std::string& bucket, const std::string& key,
                   const std::string& upload_id, int part_number, StagedBody body,
                   std::function<void(Outcome<PartSummary>)> done);
  // UploadPartCopy: a byte range (or all) of an existing object as a part.
  void upload_part_copy(const std::string& account_id, const std::string& bucket, const std::string& key,
                        const std::string& upload_id, int part_number, const std::string& src_bucket,
                        const std::string& src_key,
                        std::optional<std::pair<std::uint64_t, std::uint64_t>> range,
                        std::function<void(Outcome<PartSummary>)> done);
  void complete_multipart_upload(const std::string& account_id, const std::string& bucket,
                                 const std::string& key, const std::string& upload_id,
                                 const std::vector<CompletedPart>& parts,
                                 std::function<void(Outcome<ObjectMeta>)> done);
  std::optional<protocol::ServiceError> abort_multipart_upload(const std::string& account_id,
                                                               const std::string& bucket,
                                                               const std::string& key,
                                                               const std::string& upload_id);
  Outcome<std::vector<PartSummary>> list_parts(const std::string& account_id, const std::string& bucket,
                                               const std::string& key, const std::string& upload_id) const;
  Outcome<std::vector<UploadSummary>> list_multipart_uploads(const std::string& account_id,
                                                             const std::string& bucket) const;

  // POST /_fanout/reset: forget every bucket and remove every file.
  void reset();
  void stop();
  std::string prometheus_metrics() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace fanout::services::s3
