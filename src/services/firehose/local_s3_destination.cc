#include "services/firehose/local_s3_destination.h"

#include "services/s3/s3_engine.h"

namespace fanout::services::firehose {

void LocalS3Destination::put_object(ObjectWrite write, std::function<void(ObjectWriteResult)> done) {
  s3::LocalPutObject request;
  request.account_id = std::move(write.account_id);
  request.bucket = std::move(write.bucket);
  request.key = std::move(write.key);
  request.content_type = std::move(write.content_type);
  request.body = std::move(write.body);
  s3_.put_object(std::move(request), [done = std::move(done)](s3::LocalPutResult result) {
    if (result.error) {
      done({false, result.error->code, result.error->message});
    } else {
      done({});
    }
  });
}

}  // namespace fanout::services::firehose
