#include "services/firehose/firehose_error.h"

namespace fanout::services::firehose::errors {

FirehoseError stream_not_found(const std::string& name, const std::string& account) {
  return {"ResourceNotFoundException", "Firehose " + name + " under account " + account + " not found."};
}
FirehoseError invalid_argument(std::string message) {
  return {"InvalidArgumentException", std::move(message)};
}
FirehoseError in_use(std::string message) { return {"ResourceInUseException", std::move(message)}; }
FirehoseError limit_exceeded(std::string message) { return {"LimitExceededException", std::move(message)}; }
FirehoseError concurrent_modification(std::string message) {
  return {"ConcurrentModificationException", std::move(message)};
}
FirehoseError service_unavailable(std::string message) {
  return {"ServiceUnavailableException", std::move(message), 503};
}
FirehoseError internal(std::string message) { return {"InternalFailure", std::move(message), 500}; }

}  // namespace fanout::services::firehose::errors
