#include "dispatch/route.h"

#include <array>

#include "protocol/service_model.h"

namespace fanout::dispatch {

std::pair<std::string_view, std::string_view> split_target(std::string_view target) {
  auto q = target.find('?');
  if (q == std::string_view::npos) return {target, {}};
  return {target.substr(0, q), target.substr(q + 1)};
}

namespace {

constexpr std::array<std::string_view, 3> kQueryServices = {"sqs", "sns", "cloudformation"};

bool is_form(const net::Request& request) {
  auto type = request[net::http::field::content_type];
  return type.substr(0, 33) == "application/x-www-form-urlencoded";
}

}  // namespace

Route route_request(const net::Request& request, const std::string& scope_service) {
  Route route;
  auto target_header = request["X-Amz-Target"];
  if (!target_header.empty()) {
    route.protocol = WireProtocol::json;
    auto dot = target_header.find('.');
    auto prefix = target_header.substr(0, dot);
    route.operation = dot == std::string_view::npos ? "" : std::string(target_header.substr(dot + 1));
    if (prefix == "AmazonSQS") {
      route.service = "sqs";
    } else if (prefix == "Firehose_20150804") {
      route.service = "firehose";
    }
    return route;
  }

  auto [path, query] = split_target(request.target());
  bool form_body = request.method() == net::http::verb::post && is_form(request);
  bool has_action = query.find("Action=") != std::string_view::npos;
  if (form_body || (has_action && scope_service != "s3")) {
    auto from_query = protocol::parse_form(query);
    auto from_body = form_body ? protocol::parse_form(request.body()) : protocol::FormParams{};
    if (!from_query || !from_body) {
      route.malformed_form = true;
    } else {
      route.form = std::move(*from_body);
      route.form.merge(*from_query);
    }
    auto action = route.form.find("Action");
    if (action != route.form.end()) {
      route.protocol = WireProtocol::query;
      route.operation = action->second;
      for (auto service : kQueryServices) {
        if (scope_service == service) route.service = scope_service;
      }
      if (route.service.empty()) {
        // Unsigned or oddly scoped: find the service whose model has this action.
        for (auto service : kQueryServices) {
          if (protocol::ServiceModel::embedded(service).operation(route.operation)) {
            route.service = std::string(service);
            break;
          }
        }
      }
      return route;
    }
    if (scope_service != "s3" && scope_service != "") {
      // A form without an Action: InvalidAction from the scope's query service. Any other scope
      // (a signature for "sts", "iam", ...) has no model to answer from and stays unrouted, which
      // the gateway answers with InvalidAction too.
      route.protocol = WireProtocol::query;
      for (auto service : kQueryServices) {
        if (scope_service == service) route.service = scope_service;
      }
      return route;
    }
  }
  route.protocol = WireProtocol::rest_xml;
  route.service = "s3";
  route.form.clear();
  return route;
}

}  // namespace fanout::dispatch
