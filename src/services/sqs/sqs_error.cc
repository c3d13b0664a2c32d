#include "services/sqs/sqs_error.h"

namespace fanout::services::sqs::errors {

SqsError queue_does_not_exist() {
  return SqsError("QueueDoesNotExist", "The specified queue does not exist.");
}

SqsError missing_parameter(std::string_view name) {
  return SqsError("MissingParameter", "The request must contain the parameter " + std::string(name) + ".");
}

SqsError invalid_parameter_value(std::string_view name, std::string_view value, std::string_view reason) {
  return SqsError("InvalidParameterValue", "Value " + std::string(value) + " for parameter " +
                                               std::string(name) +
                                               " is invalid. Reason: " + std::string(reason));
}

SqsError invalid_parameter(std::string message) {
  return SqsError("InvalidParameterValue", std::move(message));
}

SqsError invalid_attribute_name(std::string_view name) {
  return SqsError("InvalidAttributeName", "Unknown Attribute " + std::string(name) + ".");
}

SqsError invalid_attribute_value(std::string_view name, std::string_view reason) {
  std::string message = "Invalid value for the parameter " + std::string(name) + ".";
  if (!reason.empty()) message += " Reason: " + std::string(reason);
  return SqsError("InvalidAttributeValue", std::move(message));
}

SqsError receipt_handle_is_invalid(std::string_view handle) {
  return SqsError("ReceiptHandleIsInvalid",
                  "The input receipt handle \"" + std::string(handle) + "\" is not a valid receipt handle.");
}

SqsError message_not_inflight() {
  return SqsError("MessageNotInflight",
                  "Message does not exist or is not available for visibility timeout change.");
}

SqsError internal(std::string_view why) {
  return SqsError("InternalFailure",
                  "We encountered an internal error. Please try again. (" + std::string(why) + ")", 500);
}

}  // namespace fanout::services::sqs::errors
