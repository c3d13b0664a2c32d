// A SqsEngine on an in-memory store with a ManualClock, and synchronous helpers around invoke().
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <future>
#include <memory>
#include <string>

#include "common/clock.h"
#include "common/timer_queue.h"
#include "protocol/operation.h"
#include "services/sqs/sqs_engine.h"
#include "store/store.h"

namespace fanout::services::sqs::testing {

namespace json = boost::json;
using protocol::OperationResult;
using protocol::RequestContext;
using protocol::ServiceError;

inline constexpr const char* kAccount = "123456789012";
inline constexpr const char* kOtherAccount = "210987654321";

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "fanout-sqs-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

inline RequestContext context_for(const std::string& account) {
  RequestContext context;
  context.request_id = "test";
  context.account_id = account;
  context.access_key_id = "AKIDTEST" + account.substr(0, 4);
  context.region = "us-east-1";
  context.host = "localhost:4566";
  context.scheme = "http";
  context.path = "/";
  context.wire_protocol = "json";
  return context;
}

class SqsTest : public ::testing::Test {
 protected:
  void SetUp() override { open(store::Durability::memory, ""); }
  void TearDown() override { close(); }

  void open(store::Durability durability, const std::string& dir) {
    store::Options options;
    options.dir = dir;
    options.durability = durability;
    options.column_families = SqsEngine::column_families();
    // The tuning fanoutd opens its store with, so the engine's tests (restarts included) run on it.
    options.point_read_families = SqsEngine::point_read_families();
    options.write_only_families = SqsEngine::write_only_families();
    options.sequenced_families = SqsEngine::sequenced_families();
    store_ = store::Store::open(options);
    engine_ = std::make_unique<SqsEngine>(*store_, clock_, timers_);
  }
  void close() {
    engine_.reset();
    store_.reset();
  }

  std::future<OperationResult> call_async(const std::string& operation, json::object input,
                                          const RequestContext& context) {
    auto promise = std::make_shared<std::promise<OperationResult>>();
    auto future = promise->get_future();
    engine_->invoke(context, operation, std::move(input),
                    [promise](OperationResult result) { promise->set_value(std::move(result)); });
    return future;
  }
  std::future<OperationResult> call_async(const std::string& operation, json::object input) {
    return call_async(operation, std::move(input), context_for(kAccount));
  }

  OperationResult call(const std::string& operation, json::object input, const RequestContext& context) {
    auto future = call_async(operation, std::move(input), context);
    if (future.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
      ADD_FAILURE() << operation << " did not complete";
      return ServiceError::make("Timeout", "did not complete");
    }
    return future.get();
  }
  OperationResult call(const std::string& operation, json::object input) {
    return call(operation, std::move(input), context_for(kAccount));
  }

  json::object ok(const std::string& operation, json::object input, const RequestContext& context) {
    auto result = call(operation, std::move(input), context);
    if (auto* error = std::get_if<ServiceError>(&result)) {
      ADD_FAILURE() << operation << " failed: " << error->code << ": " << error->message;
      return {};
    }
    return std::get<json::object>(std::move(result));
  }
  json::object ok(const std::string& operation, json::object input) {
    return ok(operation, std::move(input), context_for(kAccount));
  }

  ServiceError error(const std::string& operation, json::object input, const RequestContext& context) {
    auto result = call(operation, std::move(input), context);
    if (auto* e = std::get_if<ServiceError>(&result)) return *e;
    ADD_FAILURE() << operation
                  << " unexpectedly succeeded: " << json::serialize(std::get<json::object>(result));
    return {};
  }
  ServiceError error(const std::string& operation, json::object input) {
    return error(operation, std::move(input), context_for(kAccount));
  }

  std::string create(const std::string& name, json::object attributes = {}) {
    json::object input{{"QueueName", name}};
    if (!attributes.empty()) input["Attributes"] = std::move(attributes);
    auto out = ok("CreateQueue", std::move(input));
    return out.contains("QueueUrl") ? std::string(out.at("QueueUrl").as_string()) : std::string();
  }
  std::string create_fifo(const std::string& name, json::object attributes = {}) {
    attributes["FifoQueue"] = "true";
    return create(name, std::move(attributes));
  }

  json::object send(const std::string& url, const std::string& body, json::object extra = {}) {
    extra["QueueUrl"] = url;
    extra["MessageBody"] = body;
    return ok("SendMessage", std::move(extra));
  }

  json::array receive(const std::string& url, json::object extra = {}) {
    extra["QueueUrl"] = url;
    auto out = ok("ReceiveMessage", std::move(extra));
    if (!out.contains("Messages")) return {};
    return out.at("Messages").as_array();
  }

  std::vector<std::string> bodies(const json::array& messages) {
    std::vector<std::string> out;
    for (const auto& m : messages) out.emplace_back(m.at("Body").as_string());
    return out;
  }

  void remove(const std::string& url, const json::value& message) {
    ok("DeleteMessage", {{"QueueUrl", url}, {"ReceiptHandle", message.at("ReceiptHandle")}});
  }

  std::string attribute(const std::string& url, const std::string& name) {
    auto out = ok("GetQueueAttributes", {{"QueueUrl", url}, {"AttributeNames", json::array{name}}});
    if (!out.contains("Attributes")) return "<absent>";
    const auto& attributes = out.at("Attributes").as_object();
    return attributes.contains(name) ? std::string(attributes.at(name).as_string()) : std::string("<absent>");
  }

  std::string arn_of(const std::string& url) { return attribute(url, "QueueArn"); }

  void advance_seconds(std::int64_t seconds) {
    clock_.advance_ms(seconds * 1000);
    engine_->tick();
  }

  ManualClock clock_;
  TimerQueue timers_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<SqsEngine> engine_;
};

}  // namespace fanout::services::sqs::testing
