#include "services/firehose/remote_s3_destination.h"

#include <curl/curl.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "auth/sigv4.h"
#include "common/percent_encoding.h"

namespace fanout::services::firehose {

namespace {

struct CurlGlobal {
  CurlGlobal() { curl_global_init(CURL_GLOBAL_DEFAULT); }
};

// CURLOPT_XFERINFOFUNCTION: a non-zero return aborts the transfer.
int abort_when_stopping(void* stopping, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<const std::atomic<bool>*>(stopping)->load() ? 1 : 0;
}

std::size_t collect(char* data, std::size_t size, std::size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

// "<Code>NoSuchBucket</Code>" from an S3 XML error body.
std::string xml_element(const std::string& body, std::string_view name) {
  const std::string open = "<" + std::string(name) + ">";
  const std::string close = "</" + std::string(name) + ">";
  auto start = body.find(open);
  if (start == std::string::npos) return {};
  start += open.size();
  auto end = body.find(close, start);
  return end == std::string::npos ? std::string() : body.substr(start, end - start);
}

}  // namespace

std::map<std::string, RemoteS3Endpoint> parse_remote_endpoints(std::string_view json_text) {
  boost::system::error_code ec;
  auto doc = boost::json::parse(json_text, ec);
  if (ec || !doc.is_object()) {
    throw std::runtime_error(
        "Firehose S3 endpoints: expected a JSON object mapping bucket names to endpoints");
  }
  std::map<std::string, RemoteS3Endpoint> out;
  for (const auto& [bucket, value] : doc.as_object()) {
    if (!value.is_object())
      throw std::runtime_error("Firehose S3 endpoints: entry for " + std::string(bucket) +
                               " must be an object");
    const auto& o = value.as_object();
    RemoteS3Endpoint e;
    auto str = [&](std::string_view key, std::string& into) {
      if (const auto* v = o.if_contains(key)) {
        if (!v->is_string())
          throw std::runtime_error("Firehose S3 endpoints: " + std::string(key) + " must be a string");
        into = std::string(v->as_string());
      }
    };
    auto flag = [&](std::string_view key, bool& into) {
      if (const auto* v = o.if_contains(key)) {
        if (!v->is_bool())
          throw std::runtime_error("Firehose S3 endpoints: " + std::string(key) + " must be true or false");
        into = v->as_bool();
      }
    };
    str("endpoint", e.endpoint);
    str("region", e.region);
    str("access_key_id", e.access_key_id);
    str("secret_access_key", e.secret_access_key);
    str("session_token", e.session_token);
    flag("path_style", e.path_style);
    flag("verify_tls", e.verify_tls);
    if (const auto* v = o.if_contains("timeout_seconds"); v && v->is_int64())
      e.timeout_seconds = v->as_int64();
    if (!e.endpoint.starts_with("http://") && !e.endpoint.starts_with("https://")) {
      throw std::runtime_error("Firehose S3 endpoints: endpoint for " + std::string(bucket) +
                               " must start with http:// or https://");
    }
    while (e.endpoint.ends_with('/')) e.endpoint.pop_back();
    if (e.access_key_id.empty() || e.secret_access_key.empty()) {
      throw std::runtime_error("Firehose S3 endpoints: " + std::string(bucket) +
                               " needs access_key_id and secret_access_key");
    }
    out.emplace(std::string(bucket), std::move(e));
  }
  return out;
}

// getenv is safe here: this runs once while the services are built at start-up, and nothing in
// fanoutd modifies the environment.
std::map<std::string, RemoteS3Endpoint> remote_endpoints_from_environment() {
  // NOLINTNEXTLINE(concurrency-mt-unsafe): see above
  if (const char* inline_json = std::getenv("FANOUT_FIREHOSE_S3_ENDPOINTS"); inline_json && *inline_json) {
    return parse_remote_endpoints(inline_json);
  }
  // NOLINTNEXTLINE(concurrency-mt-unsafe): see above
  if (const char* path = std::getenv("FANOUT_FIREHOSE_S3_ENDPOINTS_FILE"); path && *path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error(std::string("cannot read FANOUT_FIREHOSE_S3_ENDPOINTS_FILE ") + path);
    std::stringstream text;
    text << in.rdbuf();
    return parse_remote_endpoints(text.str());
  }
  return {};
}

RemoteS3Destination::RemoteS3Destination(RemoteS3Endpoint endpoint) : endpoint_(std::move(endpoint)) {
  static CurlGlobal global;
  threads_.reserve(kUploadThreads);
  for (std::size_t i = 0; i < kUploadThreads; ++i) threads_.emplace_back([this] { upload_loop(); });
}

RemoteS3Destination::~RemoteS3Destination() {
  std::deque<Upload> abandoned;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    abandoned.swap(queue_);
  }
  upload_ready_.notify_all();
  for (auto& thread : threads_) thread.join();
  for (auto& upload : abandoned) upload.done({false, "ServiceUnavailable", "fanoutd is shutting down"});
}

void RemoteS3Destination::put_object(ObjectWrite write, std::function<void(ObjectWriteResult)> done) {
  std::unique_lock lock(mutex_);
  if (stopping_) {
    lock.unlock();
    return done({false, "ServiceUnavailable", "fanoutd is shutting down"});
  }
  queue_.push_back({std::move(write), std::move(done)});
  lock.unlock();
  upload_ready_.notify_one();
}

void RemoteS3Destination::upload_loop() {
  for (;;) {
    Upload next;
    {
      std::unique_lock lock(mutex_);
      upload_ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      next = std::move(queue_.front());
      queue_.pop_front();
    }
    next.done(upload(std::move(next.write)));
  }
}

ObjectWriteResult RemoteS3Destination::upload(ObjectWrite write) {
  // scheme://host[:port][/base]
  const auto scheme_end = endpoint_.endpoint.find("://") + 3;
  const auto path_start = endpoint_.endpoint.find('/', scheme_end);
  const std::string scheme = endpoint_.endpoint.substr(0, scheme_end);
  std::string host = endpoint_.endpoint.substr(
      scheme_end, path_start == std::string::npos ? std::string::npos : path_start - scheme_end);
  const std::string base = path_start == std::string::npos ? "" : endpoint_.endpoint.substr(path_start);
  std::string path = base;
  if (endpoint_.path_style) {
    path += "/" + percent_encoding::encode(write.bucket);
  } else {
    host = write.bucket + "." + host;
  }
  path += "/" + percent_encoding::encode(write.key, /*keep_slash=*/true);

  auth::HttpRequest request;
  request.method = "PUT";
  request.target = path;
  request.headers = {
      {"host", host},
      {"content-type", write.content_type.empty() ? "application/octet-stream" : write.content_type},
      {"content-length", std::to_string(write.body.size())}};
  request.body = std::move(write.body);
  auth::SigningOptions options;
  options.region = endpoint_.region;
  options.service = "s3";
  options.time_seconds =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  options.normalize_path = false;
  options.sign_body = true;
  auth::sign_request(
      request,
      auth::Credentials{endpoint_.access_key_id, endpoint_.secret_access_key, endpoint_.session_token},
      options);

  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), &curl_easy_cleanup);
  if (!curl) return {false, "InternalFailure", "curl_easy_init failed"};
  curl_slist* raw_headers = nullptr;
  for (const auto& [name, value] : request.headers) {
    if (name == "host" || name == "content-length") continue;  // curl sends both itself
    raw_headers = curl_slist_append(raw_headers, std::string(name).append(": ").append(value).c_str());
  }
  raw_headers = curl_slist_append(raw_headers, ("Host: " + host).c_str());
  raw_headers = curl_slist_append(raw_headers, "Expect:");
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> headers(raw_headers, &curl_slist_free_all);
  const std::string url = scheme + host + path;
  std::string response;
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_CUSTOMREQUEST, "PUT");
  curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDS, request.body.data());
  curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  curl_easy_setopt(curl.get(), CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, &collect);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &response);
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT, endpoint_.timeout_seconds);
  curl_easy_setopt(curl.get(), CURLOPT_CONNECTTIMEOUT, 10L);
  curl_easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_SSL_VERIFYPEER, endpoint_.verify_tls ? 1L : 0L);
  curl_easy_setopt(curl.get(), CURLOPT_SSL_VERIFYHOST, endpoint_.verify_tls ? 2L : 0L);
  // Shutdown aborts an upload in progress instead of waiting out its timeout.
  curl_easy_setopt(curl.get(), CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl.get(), CURLOPT_XFERINFOFUNCTION, &abort_when_stopping);
  curl_easy_setopt(curl.get(), CURLOPT_XFERINFODATA, &stopping_);
  CURLcode rc = curl_easy_perform(curl.get());
  if (rc != CURLE_OK) {
    return {false, rc == CURLE_COULDNT_CONNECT ? "ConnectionRefused" : "RequestFailed",
            curl_easy_strerror(rc)};
  }
  long status = 0;
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status);
  if (status >= 200 && status < 300) return {};
  std::string code = xml_element(response, "Code");
  std::string message = xml_element(response, "Message");
  if (code.empty()) code = "HTTP" + std::to_string(status);
  return {false, code, message.empty() ? "HTTP status " + std::to_string(status) : message};
}

}  // namespace fanout::services::firehose
