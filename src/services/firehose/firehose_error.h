// Firehose's AWS errors as engine code throws them (json 1.1 error shapes of the model).
#pragma once

#include <stdexcept>
#include <string>

#include "protocol/service_error.h"

namespace fanout::services::firehose {

class FirehoseError : public std::runtime_error {
 public:
  FirehoseError(std::string code, std::string message, int status = 400)
      : std::runtime_error(message),
        error_(protocol::ServiceError::make(std::move(code), std::move(message), status)) {}
  const protocol::ServiceError& error() const { return error_; }

 private:
  protocol::ServiceError error_;
};

namespace errors {
// "Firehose <name> under account <account> not found."
FirehoseError stream_not_found(const std::string& name, const std::string& account);
FirehoseError invalid_argument(std::string message);
FirehoseError in_use(std::string message);
FirehoseError limit_exceeded(std::string message);
FirehoseError concurrent_modification(std::string message);
FirehoseError service_unavailable(std::string message);
FirehoseError internal(std::string message);
}  // namespace errors

}  // namespace fanout::services::firehose
