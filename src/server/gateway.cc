#include "server/gateway.h"

#include <spdlog/spdlog.h>

#include <boost/json/serialize.hpp>
#include <chrono>
#include <exception>

#include "auth/sigv4.h"
#include "common/fast_uuid.h"
#include "dispatch/route.h"
#include "protocol/input_validation.h"
#include "protocol/json_codec.h"
#include "protocol/query_codec.h"
#include "protocol/service_model.h"
#include "server/error_response.h"
#include "server/response_guard.h"

namespace fanout::server {

namespace http = net::http;
namespace json = boost::json;
using dispatch::WireProtocol;
using protocol::ServiceError;

namespace {

std::string scope_service_of(const net::RequestHeader& header) {
  // Cheap look at "Credential=AKID/date/region/SERVICE/aws4_request" without a full parse.
  std::string_view text = header[http::field::authorization];
  auto credential = text.find("Credential=");
  if (credential == std::string_view::npos) {
    auto target = header.target();
    credential = target.find("X-Amz-Credential=");
    if (credential == std::string_view::npos) return {};
    text = target.substr(credential + 17);
    // %2F-encoded scope in a presigned URL
    std::string decoded;
    for (std::size_t i = 0; i < text.size() && text[i] != '&'; ++i) {
      if (text[i] == '%' && i + 2 < text.size() && text[i + 1] == '2' &&
          (text[i + 2] == 'F' || text[i + 2] == 'f')) {
        decoded += '/';
        i += 2;
      } else {
        decoded += text[i];
      }
    }
    auto parts = decoded;
    std::size_t pos = 0;
    for (int i = 0; i < 3 && pos != std::string::npos; ++i) pos = parts.find('/', pos + 1);
    if (pos == std::string::npos) return {};
    auto end = parts.find('/', pos + 1);
    return parts.substr(pos + 1, end == std::string::npos ? std::string::npos : end - pos - 1);
  }
  text = text.substr(credential + 11);
  std::size_t pos = 0;
  for (int i = 0; i < 3; ++i) {
    pos = text.find('/', i == 0 ? 0 : pos + 1);
    if (pos == std::string_view::npos) return {};
  }
  auto end = text.find_first_of("/, ", pos + 1);
  return std::string(
      text.substr(pos + 1, end == std::string_view::npos ? std::string_view::npos : end - pos - 1));
}

// "arn:partition:service:region:account:resource..." split on ':'.
std::vector<std::string> split_arn(const std::string& arn) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (parts.size() < 6) {
    auto colon = arn.find(':', start);
    if (colon == std::string::npos || parts.size() == 5) {
      parts.push_back(arn.substr(start));
      break;
    }
    parts.push_back(arn.substr(start, colon - start));
    start = colon + 1;
  }
  return parts;
}

auth::HttpRequest to_auth_request(net::Request& request) {
  auth::HttpRequest out;
  out.method = std::string(request.method_string());
  out.target = std::string(request.target());
  out.headers.reserve(16);
  for (const auto& field : request)
    out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  out.body = std::move(request.body());
  return out;
}

net::Response json_response(unsigned version, const std::string& body, const std::string& content_type,
                            http::status status = http::status::ok) {
  net::Response response{status, version};
  response.set(http::field::content_type, content_type);
  response.body() = body;
  response.prepare_payload();
  return response;
}

// A person's browser opening the bare endpoint, as opposed to an AWS client: S3's ListBuckets
// is also GET /, but signed (header or presigned query) and not asking for HTML.
bool is_browser_visit(const net::Request& request) {
  if (request.method() != http::verb::get) return false;
  if (request.target().find('?') != std::string_view::npos) return false;
  if (request.count(http::field::authorization) != 0 || request.count("X-Amz-Target") != 0) return false;
  return request[http::field::accept].find("text/html") != std::string_view::npos;
}

// The service and wire protocol a request is for, judged from its header alone (the body may
// not be read yet); the service is empty when the header does not tell.
std::pair<std::string, WireProtocol> protocol_of(const net::RequestHeader& header) {
  auto target = header["X-Amz-Target"];
  std::string service = scope_service_of(header);
  if (target.starts_with("AmazonSQS.")) service = "sqs";
  if (target.starts_with("Firehose_")) service = "firehose";
  auto wire = service == "s3"   ? WireProtocol::rest_xml
              : !target.empty() ? WireProtocol::json
                                : WireProtocol::query;
  return {std::move(service), wire};
}

}  // namespace

Gateway::Gateway(const AccountRegistry& accounts, const Clock& clock, GatewayOptions options)
    : accounts_(accounts), clock_(clock), options_(std::move(options)), admission_(options_.admission) {}

void Gateway::serve_static(std::string path, std::string content_type, std::function<std::string()> body) {
  static_documents_[std::move(path)] = StaticDocument{std::move(content_type), std::move(body)};
}

void Gateway::allow_unauthenticated(std::string service, std::string operation) {
  unauthenticated_.emplace(std::move(service), std::move(operation));
}

void Gateway::register_engine(const std::string& service, protocol::ServiceEngine* engine) {
  engines_[service] = engine;
}

RestService* Gateway::streaming_service(const net::RequestHeader& header) const {
  if (header.method() != http::verb::put || !header["X-Amz-Target"].empty()) return nullptr;
  auto service = scope_service_of(header);
  if (!service.empty() && service != "s3") return nullptr;
  auto it = rest_services_.find(std::string_view("s3"));
  return it == rest_services_.end() ? nullptr : it->second;
}

std::shared_ptr<net::BodySink> Gateway::body_sink(const net::RequestHeader& header) {
  auto* rest = streaming_service(header);
  return rest ? rest->body_sink(header) : nullptr;
}

std::optional<net::Response> Gateway::body_too_large(const net::RequestHeader& header) {
  if (!streaming_service(header)) return std::nullopt;
  // S3's answer to a single PUT above 5 GiB.
  auto path = std::string(dispatch::split_target(header.target()).first);
  return error_response(
      "s3", WireProtocol::rest_xml,
      ServiceError::make("EntityTooLarge", "Your proposed upload exceeds the maximum allowed size", 400),
      crypto::fast_uuid_v4(), header.version(), path);
}

std::optional<net::Response> Gateway::overloaded(const net::RequestHeader& header) {
  auto [service, wire] = protocol_of(header);
  if (service.empty()) return std::nullopt;
  auto path = std::string(dispatch::split_target(header.target()).first);
  return error_response(service, wire, throttling_error(service), crypto::fast_uuid_v4(), header.version(),
                        service == "s3" ? path : std::string());
}

std::uint64_t Gateway::body_limit(const net::RequestHeader& header) const {
  if (auto* rest = streaming_service(header)) {
    // Only object uploads stream; the S3 front end decides which PUTs those are.
    if (rest->streams_body(header)) return options_.s3_streamed_body_limit;
  }
  auto target = header["X-Amz-Target"];
  if (target.starts_with("AmazonSQS.")) return options_.sqs_body_limit;
  if (target.starts_with("Firehose_")) return options_.firehose_body_limit;
  auto service = scope_service_of(header);
  if (service == "sqs") return options_.sqs_body_limit;
  if (service == "sns") return options_.sns_body_limit;
  if (service == "firehose") return options_.firehose_body_limit;
  if (service == "cloudformation") return options_.cloudformation_body_limit;
  if (service == "s3") return options_.s3_body_limit;
  // Unsigned: a form post may be any query service; allow the largest of them.
  return std::max(options_.sqs_body_limit, options_.s3_body_limit);
}

bool Gateway::handle_operational(const net::Request& request, const net::Peer& peer,
                                 const std::string& request_id, ResponseGuard& guard) {
  auto [path, query] = dispatch::split_target(request.target());
  auto version = request.version();
  if (path == "/_fanout/health" || path == "/_localstack/health" || path == "/health") {
    json::object services;
    for (const auto& [name, engine] : engines_) services[name] = "running";
    for (const auto& [name, rest] : rest_services_) services[name] = "running";
    json::object body{
        {"status", "ok"}, {"services", services}, {"version", options_.version}, {"edition", "fanout"}};
    guard.send(json_response(version, json::serialize(body), "application/json"));
    return true;
  }
  if (auto doc = static_documents_.find(path);
      doc != static_documents_.end() && request.method() == http::verb::get) {
    guard.send(json_response(version, doc->second.body(), doc->second.content_type));
    return true;
  }
  if (path == "/_fanout/metrics") {
    std::string text = metrics_.render_prometheus();
    if (metrics_hook_) text += metrics_hook_();
    guard.send(json_response(version, text, "text/plain; version=0.0.4"));
    return true;
  }
  if (path == "/_fanout/reset" || path == "/_localstack/state/reset" || path == "/moto-api/reset") {
    if (request.method() != http::verb::post) {
      guard.send(json_response(version, "{\"error\":\"use POST\"}", "application/json",
                               http::status::method_not_allowed));
      return true;
    }
    if (!options_.allow_reset) {
      guard.send(json_response(version,
                               "{\"error\":\"reset is disabled (start fanoutd with --allow-reset)\"}",
                               "application/json", http::status::forbidden));
      return true;
    }
    spdlog::warn("reset requested by {} (request {})", peer.address, request_id);
    if (reset_hook_) reset_hook_();
    guard.send(json_response(version, "{\"reset\":true}", "application/json"));
    return true;
  }
  return false;
}

void Gateway::handle(net::Request request, const net::Peer& peer, net::Respond respond) {
  handle_request(std::move(request), nullptr, peer, std::move(respond));
}

void Gateway::handle_streamed(net::Request request, std::shared_ptr<net::BodySink> sink,
                              const net::Peer& peer, net::Respond respond) {
  handle_request(std::move(request), std::move(sink), peer, std::move(respond));
}

// What the catch in handle_request() needs to answer in the request's own protocol: set as the
// request is routed, so it holds what routing had learnt when something threw.
struct Gateway::RequestTrace {
  std::string request_id;
  std::chrono::steady_clock::time_point started;
  unsigned version = 11;
  bool head = false;
  bool prefix = false;  // handed to a prefix handler (the console: JSON, not an AWS service)
  bool routed = false;  // `route` is set
  dispatch::Route route;
  std::string resource;  // S3: the request path, for <Resource>
};

void Gateway::handle_request(net::Request request, std::shared_ptr<net::BodySink> sink, const net::Peer& peer,
                             net::Respond respond) {
  RequestTrace trace;
  trace.started = std::chrono::steady_clock::now();
  trace.request_id = crypto::fast_uuid_v4();
  trace.version = request.version();
  trace.head = request.method() == http::verb::head;
  ResponseGuard guard(std::move(respond));
  // Nothing thrown on the request path may reach the I/O thread (std::terminate: a remote
  // crash); the client gets its service's internal error instead, exactly once.
  try {
    serve(request, std::move(sink), peer, guard, trace);
  } catch (const std::exception& e) {
    if (guard.respond_threw()) throw;
    return answer_internal_failure(request, guard, trace, e.what());
  } catch (...) {
    if (guard.respond_threw()) throw;
    return answer_internal_failure(request, guard, trace, "unknown exception");
  }
  // Only a std::bad_alloc can come out of this; the server then closes the connection.
  answer_if_dropped(guard, std::move(trace));
}

void Gateway::answer_internal_failure(const net::Request& request, ResponseGuard& guard,
                                      const RequestTrace& trace, const char* what) {
  std::string service;
  WireProtocol wire = WireProtocol::json;
  if (trace.routed) {
    service = trace.route.service;
    wire = trace.route.protocol;
  } else if (!trace.prefix) {
    // Thrown before routing: the header is intact (only a prefix handler or S3 takes the
    // request, both after this is known).
    std::tie(service, wire) = protocol_of(request);
  }
  const std::string& operation = trace.routed ? trace.route.operation : std::string();
  spdlog::error("{} internal failure in {} {}: {}", trace.request_id, service.empty() ? "-" : service,
                operation.empty() ? "-" : operation, what);
  if (guard.answer_if_unanswered(internal_failure_response(service, wire, trace))) {
    record_internal_failure(service, operation, trace.started);
  }
}

void Gateway::answer_if_dropped(ResponseGuard& guard, RequestTrace&& trace) {
  if (!trace.routed && !trace.prefix) return;  // answered inline by the gateway itself
  // Nothing of the gateway is captured: the last holder may let go while fanoutd shuts down,
  // after the gateway is gone (so such an answer is logged, not counted in the metrics).
  guard.answer_if_dropped([trace = std::move(trace)] {
    const std::string service = trace.routed ? trace.route.service : std::string();
    const std::string operation = trace.routed ? trace.route.operation : std::string();
    spdlog::error("{} internal failure in {} {}: the request was dropped unanswered", trace.request_id,
                  service.empty() ? "-" : service, operation.empty() ? "-" : operation);
    return internal_failure_response(service, trace.routed ? trace.route.protocol : WireProtocol::json,
                                     trace);
  });
}

net::Response Gateway::internal_failure_response(const std::string& service, WireProtocol wire,
                                                 const RequestTrace& trace) {
  auto response =
      error_response(service, wire, internal_error(service), trace.request_id, trace.version, trace.resource);
  if (trace.head) {
    response.body().clear();
    response.content_length(0);
  }
  return response;
}

void Gateway::record_internal_failure(const std::string& service, const std::string& operation,
                                      std::chrono::steady_clock::time_point started) {
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  metrics_.record(service.empty() ? "unknown" : service, operation.empty() ? "unknown" : operation, 500,
                  seconds);
}

void Gateway::serve(net::Request& request, std::shared_ptr<net::BodySink> sink, const net::Peer& peer,
                    ResponseGuard& guard, RequestTrace& trace) {
  const auto started = trace.started;
  const std::string& request_id = trace.request_id;
  const unsigned version = trace.version;
  const bool head_request = trace.head;

  auto path = dispatch::split_target(request.target()).first;
  for (const auto& [prefix, handler] : prefix_handlers_) {
    if (path.starts_with(prefix)) {
      trace.prefix = true;
      return handler(std::move(request), peer, guard.hand_off());
    }
  }
  if (path == "/" && !browser_home_.empty() && is_browser_visit(request)) {
    net::Response response{http::status::found, version};
    response.set(http::field::location, browser_home_);
    response.set(http::field::content_type, "text/plain");
    response.body() = "See " + browser_home_ + "\n";
    response.prepare_payload();
    return guard.send(std::move(response));
  }
  if (path.starts_with("/_fanout/") || static_documents_.contains(path) ||
      path.starts_with("/_localstack/") || path.starts_with("/moto-api/") || path == "/health") {
    if (handle_operational(request, peer, request_id, guard)) return;
  }

  // Authentication: parse first (the credential scope names the service), verify after routing.
  auto auth_request = to_auth_request(request);
  auto parsed = auth::parse_auth(auth_request);
  std::string scope_service = parsed.auth ? parsed.auth->scope.service : "";
  request.body() = std::move(auth_request.body);
  trace.route = dispatch::route_request(request, scope_service);
  trace.routed = true;
  auto& route = trace.route;

  auto fail = [&](const ServiceError& error, const std::string& operation) {
    auto response = error_response(route.service, route.protocol, error, request_id, version,
                                   route.service == "s3" ? std::string(path) : std::string());
    if (head_request) {
      // A HEAD answer carries no body (S3 clients read the status alone).
      response.body().clear();
      response.content_length(0);
    }
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    metrics_.record(route.service.empty() ? "unknown" : route.service,
                    operation.empty() ? "unknown" : operation, static_cast<int>(response.result_int()),
                    seconds);
    spdlog::debug("{} {} {} -> {} {}", request_id, route.service, operation, error.code, error.message);
    guard.send(std::move(response));
  };

  protocol::RequestContext context;
  context.request_id = request_id;
  context.region = "us-east-1";
  context.host = std::string(request[http::field::host]);
  context.scheme = peer.tls ? "https" : "http";
  context.path = std::string(path);

  std::optional<VerifiedSignature> verified;
  if (parsed.error && parsed.error->failure != auth::AuthFailure::missing) {
    return fail(auth_error(route.service, route.protocol, *parsed.error), route.operation);
  }
  if (!parsed.auth) {
    if (accounts_.configured() && unauthenticated_.contains({route.service, route.operation})) {
      // arn:aws:sns:<region>:<account>:<topic>[:<subscription>]
      std::string arn;
      for (const char* key : {"TopicArn", "SubscriptionArn"}) {
        if (auto it = route.form.find(key); it != route.form.end() && arn.empty()) arn = it->second;
      }
      auto parts = split_arn(arn);
      context.account_id =
          parts.size() >= 5 && is_account_id(parts[4]) ? parts[4] : accounts_.default_account();
      if (parts.size() >= 4 && !parts[3].empty()) context.region = parts[3];
    } else if (accounts_.configured()) {
      return fail(auth_error(route.service, route.protocol, {auth::AuthFailure::missing, ""}),
                  route.operation);
    }
    if (context.account_id.empty()) context.account_id = accounts_.default_account();
  } else {
    const auto& scope = parsed.auth->scope;
    auto account = accounts_.lookup(scope.access_key_id);
    if (!account) {
      return fail(auth_error(route.service, route.protocol, {auth::AuthFailure::unknown_access_key, ""}),
                  route.operation);
    }
    if (account->secret) {
      // A signature for another service is refused even when it verifies, as AWS does.
      if (!route.service.empty()) {
        if (auto failure = auth::check_scope(*parsed.auth, "", route.service)) {
          return fail(auth_error(route.service, route.protocol, *failure), route.operation);
        }
      }
      auth::VerifyOptions verify;
      verify.now_seconds = clock_.now_ms() / 1000;
      verify.normalize_path = route.service != "s3";
      verify.check_payload_hash = sink == nullptr;
      auth_request.body = std::move(request.body());
      auto failure = auth::verify_request(auth_request, *parsed.auth, *account->secret, verify);
      request.body() = std::move(auth_request.body);
      if (failure) return fail(auth_error(route.service, route.protocol, *failure), route.operation);
      if (route.service == "s3") {
        const auto& sc = parsed.auth->scope;
        verified = server::VerifiedSignature{
            parsed.auth->signature, parsed.auth->amz_date,
            sc.date + "/" + sc.region + "/" + sc.service + "/aws4_request",
            auth::derive_signing_key(*account->secret, sc.date, sc.region, sc.service)};
      }
    }
    context.account_id = account->account_id;
    context.access_key_id = scope.access_key_id;
    if (!scope.region.empty()) context.region = scope.region;
  }

  if (route.malformed_form) {
    return fail(ServiceError::make("MalformedQueryString", "The query string is not a valid form encoding."),
                "");
  }
  // AWS's answer to an operation it does not know, in the request's protocol.
  auto unknown_operation = [&] {
    if (route.protocol == WireProtocol::json) {
      return fail(
          ServiceError::make("UnknownOperationException", "The requested operation is not recognized."),
          route.operation);
    }
    fail(ServiceError::make("InvalidAction",
                            "The action " + route.operation + " is not valid for this web service."),
         route.operation);
  };
  if (route.service.empty()) return unknown_operation();

  // Caps: a long poll takes a long-poll slot (per account and global), anything else an
  // in-flight slot; over a cap the service's throttling error answers at once. The slot is
  // held until the response is handed to the connection.
  const bool long_poll = route.service == "sqs" && route.operation == "ReceiveMessage";
  auto ticket = long_poll ? admission_.admit_long_poll(context.account_id) : admission_.admit_request();
  if (!ticket) return fail(throttling_error(route.service), route.operation);
  guard.hold(std::move(ticket));
  // A long poll whose client hangs up ends then, giving back its slot (and no message goes to a
  // reader that is gone).
  if (long_poll) context.on_client_gone = guard.disconnect_watch();

  if (route.service == "s3") {
    auto rest = rest_services_.find(std::string_view("s3"));
    if (rest == rest_services_.end()) {
      return fail(
          ServiceError::make("NotImplemented",
                             "A header you provided implies functionality that is not implemented", 501),
          "");
    }
    context.wire_protocol = "rest-xml";
    trace.resource = std::string(path);
    RestCall call{std::move(context),
                  std::move(request),
                  std::move(sink),
                  std::move(verified),
                  parsed.auth && parsed.auth->presigned,
                  guard.hand_off(),
                  started};
    return rest->second->handle(std::move(call));
  }

  const auto& model = protocol::ServiceModel::embedded(route.service);
  const auto* op = model.operation(route.operation);
  if (!op) return unknown_operation();
  context.wire_protocol = route.protocol == WireProtocol::json ? "json" : "query";

  json::object input;
  if (route.protocol == WireProtocol::json) {
    auto decoded = protocol::decode_json_input(request.body());
    if (auto* err = std::get_if<ServiceError>(&decoded)) return fail(*err, op->name);
    input = std::move(std::get<json::object>(decoded));
  } else {
    // Query clients of SQS may post to the queue's URL instead of passing QueueUrl.
    if (route.service == "sqs" && !route.form.contains("QueueUrl") && path.size() > 1 &&
        std::count(path.begin(), path.end(), '/') == 2 && op->input &&
        op->input->at("members").as_object().contains("QueueUrl")) {
      route.form["QueueUrl"] = context.scheme + "://" + context.host + std::string(path);
    }
    auto decoded = protocol::decode_query_input(*op, route.form);
    if (auto* err = std::get_if<ServiceError>(&decoded)) return fail(*err, op->name);
    input = std::move(std::get<json::object>(decoded));
  }
  if (op->input) {
    if (auto err = protocol::validate_input(model, *op->input, input)) return fail(*err, op->name);
  }

  auto engine_it = engines_.find(route.service);
  if (engine_it == engines_.end()) {
    return fail(
        ServiceError::make("NotImplemented",
                           "fanoutd does not implement " + route.service + " " + op->name + " yet.", 501),
        op->name);
  }

  auto service = route.service;
  auto wire = route.protocol;
  engine_it->second->invoke(
      context, op->name, std::move(input),
      [this, service, wire, op, &model, request_id, version, started,
       respond = guard.hand_off()](protocol::OperationResult result) {
        net::Response response;
        // May run on an engine's thread, where nothing would catch what encoding throws.
        try {
          if (auto* err = std::get_if<ServiceError>(&result)) {
            response = error_response(service, wire, *err, request_id, version);
          } else {
            const auto& output = std::get<json::object>(result);
            response = net::Response{http::status::ok, version};
            if (wire == WireProtocol::json) {
              response.set(http::field::content_type,
                           "application/x-amz-json-" +
                               (model.json_version().empty() ? std::string("1.0") : model.json_version()));
              response.body() = json::serialize(output);
            } else {
              response.set(http::field::content_type, "text/xml");
              response.body() = protocol::encode_query_response(model, *op, output, request_id);
            }
            stamp_common_headers(response, service, request_id);
            response.prepare_payload();
          }
        } catch (const std::exception& e) {
          spdlog::error("{} internal failure encoding {} {}: {}", request_id, service, op->name, e.what());
          response = error_response(service, wire, internal_error(service), request_id, version);
        }
        double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        metrics_.record(service, op->name, static_cast<int>(response.result_int()), seconds);
        respond(std::move(response));
      });
}

}  // namespace fanout::server
