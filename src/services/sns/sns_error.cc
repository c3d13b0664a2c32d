#include "services/sns/sns_error.h"

namespace fanout::services::sns::errors {

SnsError invalid_parameter(std::string_view what) {
  return SnsError("InvalidParameterException", "Invalid parameter: " + std::string(what), 400);
}

SnsError invalid_parameter_value(std::string message) {
  return SnsError("InvalidParameterValueException", std::move(message), 400);
}

SnsError not_found(std::string message) { return SnsError("NotFoundException", std::move(message), 404); }

SnsError resource_not_found(std::string message) {
  return SnsError("ResourceNotFoundException", std::move(message), 404);
}

SnsError authorization(std::string message) {
  return SnsError("AuthorizationErrorException", std::move(message), 403);
}

SnsError not_authorized(std::string_view account, std::string_view action, std::string_view resource) {
  return authorization("User: arn:aws:iam::" + std::string(account) +
                       ":root is not authorized to perform: SNS:" + std::string(action) +
                       " on resource: " + std::string(resource) +
                       " because no resource-based policy allows the SNS:" + std::string(action) + " action");
}

SnsError topic_limit_exceeded() {
  return SnsError("TopicLimitExceededException", "Topic limit exceeded", 403);
}

SnsError subscription_limit_exceeded() {
  return SnsError("SubscriptionLimitExceededException", "Subscription limit exceeded", 403);
}

SnsError filter_policy_limit_exceeded() {
  return SnsError("FilterPolicyLimitExceededException", "Filter policy limit exceeded", 403);
}

SnsError tag_limit_exceeded() {
  return SnsError("TagLimitExceededException",
                  "Could not complete request: tag quota of per resource exceeded", 400);
}

SnsError internal(std::string_view why) {
  return SnsError("InternalErrorException", "Internal error: " + std::string(why), 500);
}

SnsError empty_batch() {
  return SnsError("EmptyBatchRequestException", "The batch request doesn't contain any entries.", 400);
}

SnsError too_many_entries() {
  return SnsError("TooManyEntriesInBatchRequestException",
                  "The batch request contains more entries than permissible.", 400);
}

SnsError batch_ids_not_distinct() {
  return SnsError("BatchEntryIdsNotDistinctException",
                  "Two or more batch entries in the request have the same Id.", 400);
}

SnsError invalid_batch_entry_id() {
  return SnsError(
      "InvalidBatchEntryIdException",
      "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at "
      "most 80 letters long.",
      400);
}

SnsError batch_too_long() {
  return SnsError("BatchRequestTooLongException",
                  "The length of all the messages put together is more than the limit.", 400);
}

}  // namespace fanout::services::sns::errors
