// S3's errors, with the HTTP status S3 answers each with.
#pragma once

#include <string>

#include "protocol/service_error.h"

namespace fanout::services::s3::errors {

using protocol::ServiceError;

inline ServiceError make(const char* code, std::string message, int status) {
  return ServiceError::make(code, std::move(message), status);
}
inline ServiceError no_such_bucket() {
  return make("NoSuchBucket", "The specified bucket does not exist", 404);
}
inline ServiceError no_such_key() { return make("NoSuchKey", "The specified key does not exist.", 404); }
inline ServiceError no_such_upload() {
  return make(
      "NoSuchUpload",
      "The specified upload does not exist. The upload ID may be invalid, or the upload may have been "
      "aborted or completed.",
      404);
}
inline ServiceError access_denied() { return make("AccessDenied", "Access Denied", 403); }
inline ServiceError invalid_argument(std::string message) {
  return make("InvalidArgument", std::move(message), 400);
}
inline ServiceError malformed_xml() {
  return make("MalformedXML",
              "The XML you provided was not well-formed or did not validate against our published schema",
              400);
}
inline ServiceError internal(std::string message) { return make("InternalError", std::move(message), 500); }
inline ServiceError not_implemented() {
  return make("NotImplemented", "A header you provided implies functionality that is not implemented", 501);
}

}  // namespace fanout::services::s3::errors
