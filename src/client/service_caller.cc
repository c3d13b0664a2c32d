#include "client/service_caller.h"

#include <ctime>
#include <thread>

#include "client/aws_error.h"
#include "client/request_signer.h"

namespace fanout::client {

ServiceCaller::ServiceCaller(const ClientConfig& config, std::string service, ErrorParser parse_error)
    : config_(config),
      service_(std::move(service)),
      endpoint_(config.endpoint_for(service_)),
      parse_error_(std::move(parse_error)),
      transport_(config.transport),
      retry_(config.retry) {}

HttpResponse ServiceCaller::call(auth::HttpRequest request, const std::string& s3_bucket) {
  Endpoint endpoint = endpoint_;
  if (!s3_bucket.empty() && !endpoint.custom) endpoint.host = s3_bucket + "." + endpoint.host;
  request.target = endpoint.base_path + request.target;
  request.headers.emplace_back("Host", endpoint.host_header());
  request.headers.emplace_back("User-Agent", "fanout-client/0.1");
  const SignerSettings signer{config_.region, service_};
  for (int attempt = 1;; ++attempt) {
    last_attempts_ = attempt;
    auth::HttpRequest signed_request = request;
    sign_for_service(signed_request, config_.credentials, signer,
                     static_cast<std::int64_t>(std::time(nullptr)));
    FailureKind kind = FailureKind::not_retryable;
    std::exception_ptr failure;
    try {
      HttpResponse response = transport_.send(endpoint, signed_request);
      if (response.status >= 200 && response.status < 300) {
        retry_.on_success(attempt > 1);
        return response;
      }
      AwsError error = parse_error_(response);
      kind = error.is_throttling()  ? FailureKind::throttling
             : error.is_transient() ? FailureKind::transient
                                    : FailureKind::not_retryable;
      failure = std::make_exception_ptr(error);
    } catch (const TransportError&) {
      kind = transport_.aborted()     ? FailureKind::not_retryable
             : transport_.timed_out() ? FailureKind::timeout
                                      : FailureKind::transient;
      failure = std::current_exception();
    }
    std::chrono::milliseconds delay{0};
    if (!retry_.should_retry(attempt, kind, delay)) std::rethrow_exception(failure);
    std::this_thread::sleep_for(delay);
  }
}

}  // namespace fanout::client
