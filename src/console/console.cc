#include "console/console.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "common/crypto.h"
#include "common/percent_encoding.h"
#include "console/console_assets.h"
#include "dispatch/route.h"
#include "protocol/form_params.h"
#include "protocol/query_codec.h"
#include "protocol/service_model.h"
#include "server/error_response.h"
#include "server/gateway.h"
#include "services/service_set.h"
#include "services/sqs/queue_address.h"
#include "services/sqs/sqs_engine.h"

namespace fanout::console {

namespace http = net::http;
namespace json = boost::json;
using protocol::ServiceError;

namespace {

constexpr const char* kContentSecurityPolicy =
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

net::Response json_response(unsigned version, http::status status, const json::value& body) {
  net::Response response{status, version};
  response.set(http::field::content_type, "application/json");
  response.set(http::field::cache_control, "no-store");
  response.body() = json::serialize(body);
  response.prepare_payload();
  return response;
}

net::Response api_error(unsigned version, const ServiceError& error) {
  return json_response(version, static_cast<http::status>(error.http_status),
                       json::object{{"error", {{"code", error.code}, {"message", error.message}}}});
}

std::vector<std::string> split_path(std::string_view rest) {
  std::vector<std::string> segments;
  while (!rest.empty()) {
    auto slash = rest.find('/');
    auto part = rest.substr(0, slash);
    if (!part.empty()) segments.push_back(percent_encoding::decode(part, false).value_or(std::string(part)));
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  return segments;
}

std::map<std::string, std::string> query_of(std::string_view query) {
  std::map<std::string, std::string> out;
  if (auto form = protocol::parse_form(query)) {
    for (auto& [k, v] : *form) out.emplace(k, v);
  }
  return out;
}

bool wants_json(const net::Request& request) {
  return request[http::field::accept].find("application/json") != std::string_view::npos;
}

}  // namespace

Console::Console(const server::AccountRegistry& accounts, const Clock& clock, services::ServiceSet& services,
                 std::string region)
    : auth_(accounts, clock), region_(std::move(region)), api_(services), services_(services), pool_(2) {}

Console::~Console() { pool_.stop(); }

void Console::register_with(server::Gateway& gateway) {
  gateway.serve_prefix("/_fanout/console", [this](const net::Request& request, const net::Peer&,
                                                  net::Respond respond) { serve_page(request, respond); });
  gateway.serve_prefix(std::string(kApiPath),
                       [this](const net::Request& request, const net::Peer& peer,
                              const net::Respond& respond) { serve_api(request, peer, respond); });
  gateway.serve_prefix(std::string(kPeekPath),
                       [this](const net::Request& request, const net::Peer& peer, net::Respond respond) {
                         serve_peek(request, peer, std::move(respond));
                       });
  gateway.redirect_browsers_to(std::string(kPagesPath));
}

protocol::RequestContext Console::context_for(const net::Request& request, const net::Peer& peer,
                                              const std::string& account) const {
  protocol::RequestContext context;
  context.request_id = crypto::uuid_v4();
  context.account_id = account;
  context.region = region_;
  context.host = std::string(request[http::field::host]);
  if (context.host.empty()) context.host = "localhost:4566";
  context.scheme = peer.tls ? "https" : "http";
  context.wire_protocol = "json";
  return context;
}

void Console::serve_page(const net::Request& request, net::Respond& respond) const {
  const auto version = request.version();
  auto path = dispatch::split_target(request.target()).first;
  if (request.method() != http::verb::get && request.method() != http::verb::head) {
    return respond(api_error(version, ServiceError::make("MethodNotAllowed", "Use GET.", 405)));
  }
  if (path.size() < kPagesPath.size()) {  // "/_fanout/console" without the slash
    net::Response response{http::status::moved_permanently, version};
    response.set(http::field::location, std::string(kPagesPath));
    response.prepare_payload();
    return respond(std::move(response));
  }
  auto name = path.substr(kPagesPath.size());
  if (name.empty()) name = "index.html";
  const auto& assets = console_assets();
  auto it = assets.find(name);
  if (it == assets.end()) {
    net::Response response{http::status::not_found, version};
    response.set(http::field::content_type, "text/plain");
    response.body() = "not found\n";
    response.prepare_payload();
    return respond(std::move(response));
  }
  net::Response response{http::status::ok, version};
  response.set(http::field::content_type, std::string(it->second.content_type));
  response.set(http::field::cache_control, "no-cache");
  response.set("Content-Security-Policy", kContentSecurityPolicy);
  response.set("X-Content-Type-Options", "nosniff");
  if (request.method() == http::verb::get) response.body() = std::string(it->second.bytes);
  response.prepare_payload();
  if (request.method() == http::verb::head) response.content_length(it->second.bytes.size());
  respond(std::move(response));
}

void Console::serve_api(const net::Request& request, const net::Peer& peer, const net::Respond& respond) {
  const auto version = request.version();
  auto [path, query] = dispatch::split_target(request.target());
  ApiRequest api;
  api.method = std::string(request.method_string());
  api.path = split_path(path.substr(kApiPath.size()));
  api.query = query_of(query);

  const bool post = request.method() == http::verb::post;
  if (post && !request.body().empty()) {
    boost::system::error_code ec;
    auto body = json::parse(request.body(), ec);
    if (ec || !body.is_object()) {
      return respond(
          api_error(version, ServiceError::make("SerializationException", "The body is not a JSON object.")));
    }
    api.body = std::move(body.as_object());
  }

  if (api.path.size() == 1 && api.path[0] == "login" && post) {
    const auto* key = api.body.if_contains("accessKeyId");
    const auto* secret = api.body.if_contains("secretAccessKey");
    if (!key || !key->is_string() || !secret || !secret->is_string()) {
      return respond(api_error(
          version, ServiceError::make("MissingParameter", "accessKeyId and secretAccessKey are required.")));
    }
    auto outcome = auth_.login(key->as_string(), secret->as_string());
    if (auto* error = std::get_if<ServiceError>(&outcome)) {
      spdlog::info("console: login refused for {} from {}: {}", std::string(key->as_string()), peer.address,
                   error->code);
      return respond(api_error(version, *error));
    }
    const auto& session = std::get<ConsoleAuth::Session>(outcome);
    auto response =
        json_response(version, http::status::ok,
                      json::object{{"account", session.account_id}, {"accessKeyId", key->as_string()}});
    response.set(http::field::set_cookie, session.set_cookie);
    return respond(std::move(response));
  }
  if (api.path.size() == 1 && api.path[0] == "logout" && post) {
    auto response = json_response(version, http::status::ok, json::object{{"loggedOut", true}});
    response.set(http::field::set_cookie, ConsoleAuth::logout_cookie());
    return respond(std::move(response));
  }

  auto who = auth_.identify(request);
  if (auto* error = std::get_if<ServiceError>(&who)) {
    if (api.path.size() == 1 && api.path[0] == "session") {
      return respond(json_response(version, http::status::ok,
                                   json::object{{"authenticated", false}, {"mode", "configured"}}));
    }
    return respond(api_error(version, *error));
  }
  const auto& caller = std::get<Caller>(who);
  if (api.path.size() == 1 && api.path[0] == "session") {
    return respond(json_response(version, http::status::ok,
                                 json::object{{"authenticated", true},
                                              {"mode", auth_.configured() ? "configured" : "open"},
                                              {"account", caller.account_id},
                                              {"accessKeyId", caller.access_key_id},
                                              {"region", region_}}));
  }
  api.context = context_for(request, peer, caller.account_id);
  auto work = [this, api = std::move(api), version, respond]() mutable {
    auto result = api_.handle(api);
    if (auto* error = std::get_if<ServiceError>(&result)) return respond(api_error(version, *error));
    if (auto* value = std::get_if<json::value>(&result)) {
      return respond(json_response(version, http::status::ok, *value));
    }
    const auto& download = std::get<ObjectDownload>(result);
    int fd = ::open(download.file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      return respond(
          api_error(version, ServiceError::make("NoSuchKey", "The specified key does not exist.", 404)));
    }
    net::SharedFd file(fd);
    auto set_headers = [&](auto& response) {
      response.set(http::field::content_type, download.content_type);
      response.set(http::field::etag, download.etag);
      response.set(http::field::cache_control, "no-store");
      // The stored encoding, for the page to decode; not Content-Encoding, which would make the
      // browser decode it behind the page's back and download something else than S3 serves.
      if (!download.content_encoding.empty())
        response.set("X-Fanout-Content-Encoding", download.content_encoding);
      response.set("X-Content-Type-Options", "nosniff");
      response.set(http::field::content_disposition, "attachment");
    };
    if (respond.can_send_file()) {
      net::FileResponse response{http::status::ok, version};
      set_headers(response);
      response.body() = net::FileRangeBody::value_type{std::move(file), 0, download.size};
      response.content_length(download.size);
      return respond(std::move(response));
    }
    net::Response response{http::status::ok, version};
    set_headers(response);
    std::string bytes(download.size, '\0');
    std::size_t got = 0;
    while (got < bytes.size()) {
      auto n = ::pread(file.get(), bytes.data() + got, bytes.size() - got, static_cast<off_t>(got));
      if (n <= 0) break;
      got += static_cast<std::size_t>(n);
    }
    bytes.resize(got);
    response.body() = std::move(bytes);
    response.prepare_payload();
    respond(std::move(response));
  };
  if (!pool_.post(std::move(work))) {
    respond(api_error(version, ServiceError::make("ServiceUnavailable", "fanoutd is shutting down.", 503)));
  }
}

void Console::serve_peek(const net::Request& request, const net::Peer& peer, net::Respond respond) {
  const auto version = request.version();
  const auto wire = wants_json(request) ? dispatch::WireProtocol::json : dispatch::WireProtocol::query;
  const auto request_id = crypto::uuid_v4();
  auto fail = [&](const ServiceError& error) {
    respond(server::error_response("sqs", wire, error, request_id, version));
  };
  if (request.method() != http::verb::get) {
    return fail(
        ServiceError::make("InvalidAction", "Only GET is supported on " + std::string(kPeekPath) + ".", 405));
  }
  auto query = query_of(dispatch::split_target(request.target()).second);
  auto url = query.find("QueueUrl");
  if (url == query.end() || url->second.empty()) {
    return fail(ServiceError::make("MissingParameter", "The request must contain the parameter QueueUrl."));
  }
  auto address = services::sqs::parse_queue_url(url->second);
  if (!address) {
    return fail(ServiceError::make("QueueDoesNotExist", "The specified queue does not exist."));
  }
  // Open mode: the account the URL names, as LocalStack does; configured mode: only the caller's.
  if (auth_.configured()) {
    auto who = auth_.identify(request);
    if (auto* error = std::get_if<ServiceError>(&who)) return fail(*error);
    if (std::get<Caller>(who).account_id != address->account) {
      return fail(ServiceError::make("QueueDoesNotExist", "The specified queue does not exist."));
    }
  }
  services::sqs::SqsEngine::PeekOptions options;
  options.max_messages = 1000;
  auto flag = [&](const char* name) {
    auto it = query.find(name);
    return it != query.end() && (it->second == "true" || it->second == "True" || it->second == "1");
  };
  options.include_inflight = flag("ShowInvisible");
  options.include_delayed = flag("ShowDelayed");
  auto work = [this, address = *address, options, wire, request_id, version, respond]() {
    auto messages = services_.sqs().peek_messages(address.account, address.name, options);
    if (!messages) {
      return respond(server::error_response(
          "sqs", wire, ServiceError::make("QueueDoesNotExist", "The specified queue does not exist."),
          request_id, version));
    }
    json::object output;
    if (!messages->empty()) output["Messages"] = std::move(*messages);
    net::Response response{http::status::ok, version};
    if (wire == dispatch::WireProtocol::json) {
      response.set(http::field::content_type, "application/x-amz-json-1.0");
      response.body() = json::serialize(output);
    } else {
      const auto& model = protocol::ServiceModel::embedded("sqs");
      response.set(http::field::content_type, "text/xml");
      response.body() =
          protocol::encode_query_response(model, *model.operation("ReceiveMessage"), output, request_id);
    }
    server::stamp_common_headers(response, "sqs", request_id);
    response.prepare_payload();
    respond(std::move(response));
  };
  (void)peer;
  if (!pool_.post(std::move(work))) {
    fail(ServiceError::make("ServiceUnavailable", "fanoutd is shutting down.", 503));
  }
}

}  // namespace fanout::console
