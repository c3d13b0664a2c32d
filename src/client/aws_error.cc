#include "client/aws_error.h"

#include <algorithm>
#include <array>
#include <string_view>

namespace fanout::client {
namespace {

std::string describe(const std::string& code, const std::string& message, int status,
                     const std::string& request_id) {
  std::string text = code + " (HTTP " + std::to_string(status) + ")";
  if (!message.empty()) text += ": " + message;
  if (!request_id.empty()) text += " [request id " + request_id + "]";
  return text;
}

}  // namespace

AwsError::AwsError(std::string code, std::string message, int http_status, std::string request_id)
    : std::runtime_error(describe(code, message, http_status, request_id)),
      code_(std::move(code)),
      message_(std::move(message)),
      http_status_(http_status),
      request_id_(std::move(request_id)) {}

bool is_throttling_code(const std::string& code) {
  // The SDKs' standard-mode list (aws-sdk-js-v3 service-error-classification, botocore
  // retries/standard.py).
  static constexpr std::array<std::string_view, 14> kThrottling = {
      "Throttling",
      "ThrottlingException",
      "ThrottledException",
      "RequestThrottledException",
      "TooManyRequestsException",
      "ProvisionedThroughputExceededException",
      "TransactionInProgressException",
      "RequestLimitExceeded",
      "BandwidthLimitExceeded",
      "LimitExceededException",
      "RequestThrottled",
      "SlowDown",
      "PriorRequestNotComplete",
      "EC2ThrottledException",
  };
  return std::find(kThrottling.begin(), kThrottling.end(), code) != kThrottling.end();
}

bool AwsError::is_throttling() const { return http_status_ == 429 || is_throttling_code(code_); }

bool AwsError::is_transient() const {
  static constexpr std::array<std::string_view, 4> kTransient = {"RequestTimeout", "RequestTimeoutException",
                                                                 "InternalError", "ServiceUnavailable"};
  if (std::find(kTransient.begin(), kTransient.end(), code_) != kTransient.end()) return true;
  return http_status_ == 500 || http_status_ == 502 || http_status_ == 503 || http_status_ == 504;
}

}  // namespace fanout::client
