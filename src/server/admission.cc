#include "server/admission.h"

namespace fanout::server {

namespace {
// A ticket must test true: it points at this (never dereferenced) and its deleter frees the slot.
char admitted_token;
}  // namespace

Admission::Ticket Admission::admit_request() {
  if (requests_.fetch_add(1) >= limits_.max_inflight_requests) {
    --requests_;
    ++throttled_;
    return nullptr;
  }
  return Ticket(&admitted_token, [this](void*) { --requests_; });
}

Admission::Ticket Admission::admit_long_poll(const std::string& account_id) {
  std::lock_guard lock(mutex_);
  auto& mine = long_polls_by_account_[account_id];
  if (long_polls_total_ >= limits_.max_long_polls || mine >= limits_.max_long_polls_per_account) {
    if (mine == 0) long_polls_by_account_.erase(account_id);
    ++throttled_;
    return nullptr;
  }
  ++mine;
  ++long_polls_total_;
  return Ticket(&admitted_token, [this, account_id](void*) {
    std::lock_guard lock(mutex_);
    --long_polls_total_;
    auto it = long_polls_by_account_.find(account_id);
    if (it != long_polls_by_account_.end() && --it->second == 0) long_polls_by_account_.erase(it);
  });
}

protocol::ServiceError throttling_error(const std::string& service) {
  using protocol::ServiceError;
  if (service == "sqs")
    return ServiceError::make("RequestThrottled", "The request was denied due to request throttling.", 400);
  if (service == "sns") return ServiceError::make("Throttled", "Rate exceeded", 429);
  if (service == "firehose")
    return ServiceError::make("ThrottlingException", "The request was denied due to request throttling.",
                              400);
  if (service == "s3") {
    auto error = ServiceError::make("SlowDown", "Please reduce your request rate.", 503);
    error.sender_fault = false;
    return error;
  }
  // CloudFormation and the query services' common error.
  return ServiceError::make("Throttling", "Rate exceeded", 400);
}

}  // namespace fanout::server
