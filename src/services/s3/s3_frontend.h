// S3's REST front end: resolves the addressed bucket and key (path-style or virtual-hosted),
// the operation (method + path + query subresources), decodes headers and XML bodies, calls the
// engine and answers in rest-xml with S3's headers, status codes and XML error bodies.
#pragma once

#include <memory>

#include "server/rest_service.h"

namespace fanout::server {
class Metrics;
}

namespace fanout::services::s3 {

class S3Engine;

class S3Frontend final : public server::RestService {
 public:
  S3Frontend(S3Engine& engine, server::Metrics* metrics);
  ~S3Frontend() override;

  // Object uploads (PutObject, UploadPart) stream into a temp file; everything else is buffered.
  std::shared_ptr<net::BodySink> body_sink(const net::RequestHeader& header) override;
  bool streams_body(const net::RequestHeader& header) const override;
  void handle(server::RestCall call) override;

  struct Call;

 private:
  S3Engine& engine_;
  server::Metrics* metrics_;
};

}  // namespace fanout::services::s3
