#include "sqs/sqs_requests.h"

#include <boost/json.hpp>
#include <charconv>
#include <ctime>
#include <stdexcept>

namespace fanout::bench {

Endpoint parse_endpoint(std::string_view text) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos) throw std::invalid_argument("endpoint wants HOST:PORT");
  Endpoint endpoint;
  endpoint.host = std::string(text.substr(0, colon));
  unsigned port = 0;
  const auto digits = text.substr(colon + 1);
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
  if (ec != std::errc() || end != digits.data() + digits.size() || port == 0 || port > 65535)
    throw std::invalid_argument("bad port in endpoint '" + std::string(text) + "'");
  endpoint.port = static_cast<std::uint16_t>(port);
  return endpoint;
}

auth::Credentials parse_credential(std::string_view text) {
  const auto colon = text.find(':');
  if (colon == std::string_view::npos) throw std::invalid_argument("credential wants AKID:SECRET");
  std::string secret(text.substr(colon + 1));
  if (const auto c = secret.find(':'); c != std::string::npos) secret.resize(c);  // drop :ACCOUNT
  return auth::Credentials{std::string(text.substr(0, colon)), secret, ""};
}

std::int64_t unix_seconds() { return static_cast<std::int64_t>(std::time(nullptr)); }

std::string sqs_request(const AwsTarget& target, std::string_view operation, std::string body) {
  TargetSpec spec;
  spec.name = std::string(operation);
  spec.endpoint = target.endpoint;
  spec.method = "POST";
  spec.headers = {{"Content-Type", "application/x-amz-json-1.0"},
                  {"X-Amz-Target", "AmazonSQS." + std::string(operation)}};
  spec.body = std::move(body);
  spec.sigv4_service = "sqs";
  spec.sigv4_region = target.region;
  return build_request(spec, &target.credentials, unix_seconds());
}

std::string sns_request(const AwsTarget& target, std::string_view action, std::string_view form) {
  TargetSpec spec;
  spec.name = std::string(action);
  spec.endpoint = target.endpoint;
  spec.method = "POST";
  spec.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
  spec.body = "Action=" + std::string(action) + "&Version=2010-03-31";
  if (!form.empty()) spec.body += "&" + std::string(form);
  spec.sigv4_service = "sns";
  spec.sigv4_region = target.region;
  return build_request(spec, &target.credentials, unix_seconds());
}

std::string call_ok(const AwsTarget& target, const std::string& request, std::string_view what) {
  const auto answer = probe(target.endpoint, request, std::chrono::seconds(30));
  if (answer.status != 200) {
    throw std::runtime_error(std::string(what) +
                             " failed: " + (answer.status ? std::to_string(answer.status) : answer.error) +
                             " " + answer.body.substr(0, 400));
  }
  return answer.body;
}

std::string json_string(std::string_view text) {
  return boost::json::serialize(boost::json::string_view(text));
}

std::string form_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() * 3);
  for (const unsigned char c : text) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
        c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string create_queue(const AwsTarget& target, std::string_view name, std::string_view attributes_json) {
  const std::string body =
      "{\"QueueName\":" + json_string(name) + ",\"Attributes\":" + std::string(attributes_json) + "}";
  const auto answer = call_ok(target, sqs_request(target, "CreateQueue", body), "CreateQueue");
  return std::string(boost::json::parse(answer).at("QueueUrl").as_string());
}

std::uint64_t visible_messages(const AwsTarget& target, std::string_view queue_url) {
  const std::string body =
      "{\"QueueUrl\":" + json_string(queue_url) + ",\"AttributeNames\":[\"ApproximateNumberOfMessages\"]}";
  const auto answer = call_ok(target, sqs_request(target, "GetQueueAttributes", body), "GetQueueAttributes");
  const auto& value =
      boost::json::parse(answer).at("Attributes").at("ApproximateNumberOfMessages").as_string();
  return std::stoull(std::string(value));
}

ReceiveDeleteWorkload::ReceiveDeleteWorkload(AwsTarget target, std::string queue_url, int wait_seconds,
                                             std::size_t connections)
    : target_(std::move(target)), queue_url_(std::move(queue_url)), slots_(connections) {
  receive_request_ = sqs_request(
      target_, "ReceiveMessage",
      "{\"QueueUrl\":" + json_string(queue_url_) +
          ",\"MaxNumberOfMessages\":10,\"WaitTimeSeconds\":" + std::to_string(wait_seconds) + "}");
}

RequestGenerator ReceiveDeleteWorkload::generator() {
  return [this](const RequestContext& context, std::string& out) {
    auto& slot = slots_[context.connection];
    if (slot.handles.empty()) {
      slot.deleting = false;
      out.assign(receive_request_);
      return;
    }
    std::string body = "{\"QueueUrl\":" + json_string(queue_url_) + ",\"Entries\":[";
    for (std::size_t i = 0; i < slot.handles.size(); ++i) {
      if (i) body += ',';
      body +=
          "{\"Id\":\"m" + std::to_string(i) + "\",\"ReceiptHandle\":" + json_string(slot.handles[i]) + "}";
    }
    body += "]}";
    slot.handles.clear();
    slot.deleting = true;
    out = sqs_request(target_, "DeleteMessageBatch", std::move(body));
  };
}

ResponseObserver ReceiveDeleteWorkload::observer() {
  return [this](const RequestContext& context, int status, std::string_view body) {
    auto& slot = slots_[context.connection];
    if (status != 200) {
      if (slot.deleting && counting) ++failed_deletes;
      return;
    }
    boost::system::error_code ec;
    auto parsed = boost::json::parse(body, ec);
    if (ec || !parsed.is_object()) return;
    const auto& object = parsed.get_object();
    if (slot.deleting) {
      if (counting) {
        if (const auto* ok = object.if_contains("Successful"); ok && ok->is_array())
          deleted += ok->get_array().size();
        if (const auto* failed = object.if_contains("Failed"); failed && failed->is_array())
          failed_deletes += failed->get_array().size();
      }
      return;
    }
    const auto* messages = object.if_contains("Messages");
    if (messages == nullptr || !messages->is_array() || messages->get_array().empty()) {
      if (counting) ++empty_receives;
      return;
    }
    for (const auto& message : messages->get_array()) {
      const auto& m = message.get_object();
      slot.handles.emplace_back(m.at("ReceiptHandle").as_string());
      if (on_body) on_body(m.at("Body").as_string());
    }
    if (counting) received += messages->get_array().size();
  };
}

}  // namespace fanout::bench
