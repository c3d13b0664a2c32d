// An S3-compatible endpoint (AWS S3, MinIO, s3rver, ...) as a Firehose destination: SigV4-signed
// PUT Object over HTTP(S) with libcurl.
//
// fanoutd learns which buckets live elsewhere from FANOUT_FIREHOSE_S3_ENDPOINTS (or the file
// named by FANOUT_FIREHOSE_S3_ENDPOINTS_FILE), a JSON object mapping a bucket name (or "*" for
// every bucket this server does not hold) to its endpoint:
//   {"landing-bucket": {"endpoint": "https://s3.eu-west-1.amazonaws.com", "region": "eu-west-1",
//                       "access_key_id": "AKIA...", "secret_access_key": "...",
//                       "session_token": "", "path_style": false, "verify_tls": true}}
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "services/firehose/object_destination.h"

namespace fanout::services::firehose {

struct RemoteS3Endpoint {
  std::string endpoint;  // scheme://host[:port][/base-path]
  std::string region = "us-east-1";
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;
  bool path_style = true;  // false: <bucket>.<host>
  bool verify_tls = true;
  long timeout_seconds = 60;
};

// Parses the JSON above. Throws std::runtime_error with a user-facing message.
std::map<std::string, RemoteS3Endpoint> parse_remote_endpoints(std::string_view json_text);
// Reads FANOUT_FIREHOSE_S3_ENDPOINTS / FANOUT_FIREHOSE_S3_ENDPOINTS_FILE (empty when unset).
std::map<std::string, RemoteS3Endpoint> remote_endpoints_from_environment();

// Uploads run on the destination's own threads, not the Firehose delivery threads that call
// put_object: an endpoint that accepts connections and never answers then holds only its own
// uploads (each up to timeout_seconds), while streams into this server's S3 and into other
// endpoints keep delivering.
class RemoteS3Destination final : public ObjectDestination {
 public:
  explicit RemoteS3Destination(RemoteS3Endpoint endpoint);
  // Aborts uploads in progress and fails the queued ones (their records stay stored, so a
  // restart delivers them).
  ~RemoteS3Destination() override;
  RemoteS3Destination(const RemoteS3Destination&) = delete;
  RemoteS3Destination& operator=(const RemoteS3Destination&) = delete;

  // Queues the upload; `done` runs on an upload thread once the endpoint has answered.
  void put_object(ObjectWrite write, std::function<void(ObjectWriteResult)> done) override;

 private:
  struct Upload {
    ObjectWrite write;
    std::function<void(ObjectWriteResult)> done;
  };
  static constexpr std::size_t kUploadThreads = 2;

  void upload_loop();
  ObjectWriteResult upload(ObjectWrite write);

  RemoteS3Endpoint endpoint_;
  std::mutex mutex_;
  std::condition_variable upload_ready_;
  std::deque<Upload> queue_;
  std::atomic<bool> stopping_{false};  // also read by curl's progress callback, to abort
  std::vector<std::thread> threads_;
};

}  // namespace fanout::services::firehose
