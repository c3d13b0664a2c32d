// fanoutd's request path: operational endpoints, SigV4 authentication against the account
// registry, dispatch to a service, decoding by the service's wire protocol, the engine call,
// and the response or AWS error in that protocol.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "dispatch/route.h"
#include "net/http_handler.h"
#include "protocol/operation.h"
#include "server/accounts.h"
#include "server/admission.h"
#include "server/metrics.h"
#include "server/rest_service.h"

namespace fanout::server {

class ResponseGuard;

struct GatewayOptions {
  bool allow_reset = true;  // POST /_fanout/reset (and the emulators' reset paths)
  std::string version = "0.1.0";
  // Bounded bodies, per service (SQS needs > 1 MiB: a 1 MiB message URL-encoded in a batch).
  std::uint64_t sqs_body_limit = 8ull << 20;
  std::uint64_t sns_body_limit = 8ull << 20;  // 1 MiB messages URL-encoded in a batch
  std::uint64_t firehose_body_limit = 8ull << 20;
  std::uint64_t cloudformation_body_limit = 2ull << 20;
  std::uint64_t s3_body_limit = 64ull << 20;  // S3 bodies buffered in memory (XML documents)
  // S3 bodies streamed to disk (PutObject/UploadPart): AWS's 5 GiB single-PUT maximum plus room
  // for aws-chunked framing.
  std::uint64_t s3_streamed_body_limit = (5ull << 30) + (64ull << 20);
  AdmissionLimits admission;  // in-flight requests and long polls
};

class Gateway final : public net::HttpHandler {
 public:
  Gateway(const AccountRegistry& accounts, const Clock& clock, GatewayOptions options);

  void register_engine(const std::string& service, protocol::ServiceEngine* engine);
  // S3's REST front end (authenticated here, then handed the whole request).
  void register_rest_service(const std::string& service, RestService* rest) {
    rest_services_[service] = rest;
  }
  // Runs on POST /_fanout/reset: wipe every engine's state.
  void on_reset(std::function<void()> hook) { reset_hook_ = std::move(hook); }
  // A fixed document served unauthenticated on GET (e.g. SNS's signing certificate).
  void serve_static(std::string path, std::string content_type, std::function<std::string()> body);
  // An operation AWS answers without a signature (SNS ConfirmSubscription / Unsubscribe links
  // clicked by a subscriber); the account is the one named by the request's TopicArn or
  // SubscriptionArn.
  void allow_unauthenticated(std::string service, std::string operation);
  // Extra lines for /_fanout/metrics (e.g. queue depths).
  void on_metrics(std::function<std::string()> hook) { metrics_hook_ = std::move(hook); }
  // Requests whose path starts with `prefix` go to `handler` before any AWS routing; the handler
  // authenticates them itself (the web console and its API).
  using PrefixHandler = std::function<void(net::Request, const net::Peer&, net::Respond)>;
  void serve_prefix(std::string prefix, PrefixHandler handler) {
    prefix_handlers_.emplace_back(std::move(prefix), std::move(handler));
  }
  // Where a browser opening "/" is sent (GET, Accept: text/html, no signature, no query): a
  // signed GET / (S3 ListBuckets) is never redirected.
  void redirect_browsers_to(std::string location) { browser_home_ = std::move(location); }

  std::uint64_t body_limit(const net::RequestHeader& header) const override;
  void handle(net::Request request, const net::Peer& peer, net::Respond respond) override;
  std::shared_ptr<net::BodySink> body_sink(const net::RequestHeader& header) override;
  std::optional<net::Response> body_too_large(const net::RequestHeader& header) override;
  std::optional<net::Response> overloaded(const net::RequestHeader& header) override;
  void handle_streamed(net::Request request, std::shared_ptr<net::BodySink> sink, const net::Peer& peer,
                       net::Respond respond) override;

  Metrics& metrics() { return metrics_; }
  const Admission& admission() const { return admission_; }

 private:
  struct RequestTrace;
  // Runs serve() and answers whatever it throws (hardening issue 9).
  void handle_request(net::Request request, std::shared_ptr<net::BodySink> sink, const net::Peer& peer,
                      net::Respond respond);
  void serve(net::Request& request, std::shared_ptr<net::BodySink> sink, const net::Peer& peer,
             ResponseGuard& guard, RequestTrace& trace);
  // The 500 for an exception out of serve(), in the request's protocol, unless it was answered
  // (or handed to someone who will answer).
  void answer_internal_failure(const net::Request& request, ResponseGuard& guard, const RequestTrace& trace,
                               const char* what);
  // After serve() returned: the same 500 if whoever was handed the Respond lets go of it
  // unanswered.
  void answer_if_dropped(ResponseGuard& guard, RequestTrace&& trace);
  static net::Response internal_failure_response(const std::string& service, dispatch::WireProtocol wire,
                                                 const RequestTrace& trace);
  void record_internal_failure(const std::string& service, const std::string& operation,
                               std::chrono::steady_clock::time_point started);
  // The REST service a header is for when its body may stream (S3 PUTs), else null.
  RestService* streaming_service(const net::RequestHeader& header) const;
  bool handle_operational(const net::Request& request, const net::Peer& peer, const std::string& request_id,
                          ResponseGuard& guard);

  const AccountRegistry& accounts_;
  const Clock& clock_;
  GatewayOptions options_;
  std::map<std::string, protocol::ServiceEngine*, std::less<>> engines_;
  std::map<std::string, RestService*, std::less<>> rest_services_;
  struct StaticDocument {
    std::string content_type;
    std::function<std::string()> body;
  };
  std::map<std::string, StaticDocument, std::less<>> static_documents_;
  std::set<std::pair<std::string, std::string>> unauthenticated_;
  std::function<void()> reset_hook_;
  std::function<std::string()> metrics_hook_;
  std::vector<std::pair<std::string, PrefixHandler>> prefix_handlers_;
  std::string browser_home_;
  Metrics metrics_;
  Admission admission_;
};

}  // namespace fanout::server
