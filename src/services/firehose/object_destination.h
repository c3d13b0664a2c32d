// Where a delivery stream's objects go: one small interface in front of this server's S3 engine
// and of remote S3-compatible endpoints, so delivery does not care which.
#pragma once

#include <functional>
#include <string>

namespace fanout::services::firehose {

struct ObjectWrite {
  std::string account_id;  // the stream owner's account (local buckets are namespaced by it)
  std::string bucket;
  std::string key;
  std::string content_type;
  std::string body;
};

struct ObjectWriteResult {
  bool ok = true;
  std::string error_code;  // S3's code ("NoSuchBucket") or a transport failure ("ConnectionRefused")
  std::string message;
};

class ObjectDestination {
 public:
  virtual ~ObjectDestination() = default;
  // Writes one object; `done` runs exactly once, on any thread, after the object is durable
  // (local) or the endpoint answered 2xx (remote).
  virtual void put_object(ObjectWrite write, std::function<void(ObjectWriteResult)> done) = 0;
};

}  // namespace fanout::services::firehose
