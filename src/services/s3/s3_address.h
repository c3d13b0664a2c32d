// Which bucket and key a request addresses: path-style (http://localhost:4566/<bucket>/<key>) or
// virtual-hosted-style (http://<bucket>.localhost:4566/<key>, <bucket>.s3.localhost.localstack.cloud,
// <bucket>.s3.<region>.amazonaws.com).
#pragma once

#include <string>
#include <string_view>

namespace fanout::services::s3 {

struct S3Address {
  std::string bucket;  // empty: the service itself (ListBuckets)
  std::string key;     // decoded; empty: the bucket itself
  bool virtual_host = false;
};

// host: the Host header (port allowed); path: the raw request path (percent-encoded).
S3Address resolve_address(std::string_view host, std::string_view path);

}  // namespace fanout::services::s3
