// An AWS error as an engine raises it, independent of the wire protocol.
#pragma once

#include <string>
#include <utility>

namespace fanout::protocol {

struct ServiceError {
  // The error shape name in the service model (e.g. "QueueDoesNotExist") or, for errors the
  // model does not declare (e.g. "InvalidParameterValue"), the AWS code itself.
  std::string code;
  std::string message;
  int http_status = 400;
  bool sender_fault = true;

  static ServiceError make(std::string code, std::string message, int status = 400) {
    return ServiceError{std::move(code), std::move(message), status, status < 500};
  }
};

}  // namespace fanout::protocol
