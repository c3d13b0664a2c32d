// SNS errors as the engine raises them: a ServiceError carried by an exception inside the
// engine (caught once at the operation boundary). Codes are the SNS model's error shape names;
// the protocol layer maps them to AWS's wire codes and statuses (NotFoundException → NotFound 404).
#pragma once

#include <exception>
#include <string>
#include <string_view>

#include "protocol/service_error.h"

namespace fanout::services::sns {

class SnsError : public std::exception {
 public:
  explicit SnsError(protocol::ServiceError error) : error_(std::move(error)) {}
  SnsError(std::string code, std::string message, int status = 400)
      : error_(protocol::ServiceError::make(std::move(code), std::move(message), status)) {}
  const char* what() const noexcept override { return error_.message.c_str(); }
  const protocol::ServiceError& error() const { return error_; }

 private:
  protocol::ServiceError error_;
};

namespace errors {

// InvalidParameter: "Invalid parameter: <what>".
SnsError invalid_parameter(std::string_view what);
// ParameterValueInvalid (InvalidParameterValueException), message as given.
SnsError invalid_parameter_value(std::string message);
SnsError not_found(std::string message);           // NotFound 404
SnsError resource_not_found(std::string message);  // ResourceNotFound 404 (tagging)
SnsError authorization(std::string message);       // AuthorizationError 403
// "User: arn:aws:iam::<account>:root is not authorized to perform: SNS:<action> on resource: <arn>"
SnsError not_authorized(std::string_view account, std::string_view action, std::string_view resource);
SnsError topic_limit_exceeded();
SnsError subscription_limit_exceeded();
SnsError filter_policy_limit_exceeded();
SnsError tag_limit_exceeded();
SnsError internal(std::string_view why);

// PublishBatch request-level errors.
SnsError empty_batch();
SnsError too_many_entries();
SnsError batch_ids_not_distinct();
SnsError invalid_batch_entry_id();
SnsError batch_too_long();

}  // namespace errors

}  // namespace fanout::services::sns
