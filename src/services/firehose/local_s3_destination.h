// This server's S3 engine as a Firehose destination: objects land in
// <data-dir>/s3/<account>/<bucket>/<key> through S3Engine's in-process put_object.
#pragma once

#include "services/firehose/object_destination.h"

namespace fanout::services::s3 {
class S3Engine;
}

namespace fanout::services::firehose {

class LocalS3Destination final : public ObjectDestination {
 public:
  explicit LocalS3Destination(s3::S3Engine& s3) : s3_(s3) {}
  void put_object(ObjectWrite write, std::function<void(ObjectWriteResult)> done) override;

 private:
  s3::S3Engine& s3_;
};

}  // namespace fanout::services::firehose
