// A service spoken over a REST protocol (S3's rest-xml): the gateway authenticates the request,
// then hands it over whole, because the operation depends on method, path, query and headers.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "net/http_handler.h"
#include "protocol/operation.h"

namespace fanout::server {

// What the verified SigV4 signature of a request lets the service check further (S3's
// aws-chunked chunk signatures chain from the request's signature).
struct VerifiedSignature {
  std::string signature;    // hex, the request's (seed) signature
  std::string amz_date;     // X-Amz-Date
  std::string scope;        // "20130524/us-east-1/s3/aws4_request"
  std::string signing_key;  // raw derived key
};

struct RestCall {
  protocol::RequestContext context;
  net::Request request;
  std::shared_ptr<net::BodySink> sink;         // set when the body streamed into it
  std::optional<VerifiedSignature> signature;  // set when the signature was verified
  bool presigned = false;
  net::Respond respond;
  std::chrono::steady_clock::time_point started;
};

class RestService {
 public:
  virtual ~RestService() = default;
  // A sink for a request's body, or null to have it buffered (small XML bodies).
  virtual std::shared_ptr<net::BodySink> body_sink(const net::RequestHeader& header) = 0;
  // Whether body_sink() would stream this request (decides its body limit; creates nothing).
  virtual bool streams_body(const net::RequestHeader& header) const = 0;
  // Answers an error before authentication/dispatch in this service's format.
  virtual void handle(RestCall call) = 0;
};

}  // namespace fanout::server
