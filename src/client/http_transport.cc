#include "client/http_transport.h"

#include <curl/curl.h>

#include <mutex>

#include "client/aws_error.h"
#include "client/endpoint.h"
#include "client/plain_http_connection.h"
#include "common/ascii_text.h"

namespace fanout::client {
namespace {

size_t append_body(char* data, size_t size, size_t count, void* user) {
  static_cast<HttpResponse*>(user)->body.append(data, size * count);
  return size * count;
}

size_t append_header(char* data, size_t size, size_t count, void* user) {
  auto* response = static_cast<HttpResponse*>(user);
  std::string_view line(data, size * count);
  // A new status line (after a 100 Continue or a redirect) starts a new header block.
  if (line.rfind("HTTP/", 0) == 0) {
    response->headers.clear();
    return size * count;
  }
  const auto colon = line.find(':');
  if (colon == std::string_view::npos) return size * count;
  auto value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
    value.remove_suffix(1);
  }
  response->headers.emplace_back(std::string(line.substr(0, colon)), std::string(value));
  return size * count;
}

int check_abort(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  const auto* flag = static_cast<const std::atomic<bool>*>(user);
  return flag != nullptr && flag->load() ? 1 : 0;
}

struct HeaderList {
  curl_slist* list = nullptr;
  ~HeaderList() { curl_slist_free_all(list); }
  void add(const std::string& line) { list = curl_slist_append(list, line.c_str()); }
};

}  // namespace

const std::string* HttpResponse::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (ascii::iequals(key, name)) return &value;
  }
  return nullptr;
}

struct HttpTransport::Handle {
  CURL* curl = nullptr;
  ~Handle() {
    if (curl != nullptr) curl_easy_cleanup(curl);
  }
};

HttpTransport::HttpTransport(TransportOptions options)
    : handle_(std::make_unique<Handle>()),
      plain_(std::make_unique<PlainHttpConnection>()),
      options_(std::move(options)) {
  static std::once_flag global_init;
  std::call_once(global_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  handle_->curl = curl_easy_init();
  if (handle_->curl == nullptr) throw TransportError("curl_easy_init failed");
}

HttpTransport::~HttpTransport() = default;

HttpResponse HttpTransport::send(const Endpoint& endpoint, const auth::HttpRequest& request) {
  timed_out_ = false;
  aborted_ = false;
  if (endpoint.scheme != "http") return send_with_curl(endpoint, request);
  auto failure = PlainHttpConnection::Failure::none;
  try {
    return plain_->exchange(endpoint, request, options_, abort_flag_, failure);
  } catch (const TransportError&) {
    timed_out_ = failure == PlainHttpConnection::Failure::timed_out;
    aborted_ = failure == PlainHttpConnection::Failure::aborted;
    throw;
  }
}

HttpResponse HttpTransport::send_with_curl(const Endpoint& endpoint, const auth::HttpRequest& request) {
  CURL* curl = handle_->curl;
  // Reset per-request options; the connection cache survives curl_easy_reset.
  curl_easy_reset(curl);
  HttpResponse response;
  const std::string url = endpoint.origin() + request.target;
  HeaderList headers;
  for (const auto& [name, value] : request.headers) {
    if (ascii::iequals(name, "content-length")) continue;  // curl sets it from the body size
    headers.add(std::string(name).append(": ").append(value));
  }
  headers.add("Expect:");  // no 100-continue round trip for larger bodies

  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.list);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  // Send the path exactly as signed: curl would otherwise squash "/../" in S3 keys.
  curl_easy_setopt(curl, CURLOPT_PATH_AS_IS, 1L);
  curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(curl, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout.count()));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.request_timeout.count()));
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, options_.verify_tls ? 1L : 0L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, options_.verify_tls ? 2L : 0L);
  if (!options_.ca_bundle.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, options_.ca_bundle.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, append_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, append_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &response);
  curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, nullptr);
  if (abort_flag_ != nullptr) {
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, check_abort);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, abort_flag_);
  }
  if (request.method == "GET") {
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
  } else if (request.method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  }

  const CURLcode code = curl_easy_perform(curl);
  if (code != CURLE_OK) {
    timed_out_ = code == CURLE_OPERATION_TIMEDOUT;
    aborted_ = code == CURLE_ABORTED_BY_CALLBACK;
    throw TransportError(std::string(request.method) + " " + url + ": " + curl_easy_strerror(code));
  }
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  response.status = static_cast<int>(status);
  return response;
}

}  // namespace fanout::client
