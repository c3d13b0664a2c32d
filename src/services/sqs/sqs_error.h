// SQS errors as the engine raises them: a ServiceError carried by an exception inside the
// engine (caught once at the operation boundary), with constructors for the errors AWS returns.
#pragma once

#include <exception>
#include <string>
#include <string_view>

#include "protocol/service_error.h"

namespace fanout::services::sqs {

class SqsError : public std::exception {
 public:
  explicit SqsError(protocol::ServiceError error) : error_(std::move(error)) {}
  SqsError(std::string code, std::string message, int status = 400)
      : error_(protocol::ServiceError::make(std::move(code), std::move(message), status)) {}
  const char* what() const noexcept override { return error_.message.c_str(); }
  const protocol::ServiceError& error() const { return error_; }

 private:
  protocol::ServiceError error_;
};

namespace errors {

SqsError queue_does_not_exist();
SqsError missing_parameter(std::string_view name);
// "Value <value> for parameter <name> is invalid. Reason: <reason>"
SqsError invalid_parameter_value(std::string_view name, std::string_view value, std::string_view reason);
SqsError invalid_parameter(std::string message);
SqsError invalid_attribute_name(std::string_view name);
SqsError invalid_attribute_value(std::string_view name, std::string_view reason = {});
SqsError receipt_handle_is_invalid(std::string_view handle);
SqsError message_not_inflight();
SqsError internal(std::string_view why);

}  // namespace errors

}  // namespace fanout::services::sqs
