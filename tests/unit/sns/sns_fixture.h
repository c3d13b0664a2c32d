// An SnsEngine (with the SqsEngine it delivers to) on an in-memory store with a ManualClock,
// synchronous helpers around invoke(), and checks for what SNS delivers.
#pragma once

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdlib.h>

#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <future>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/crypto.h"
#include "common/timer_queue.h"
#include "protocol/operation.h"
#include "services/sns/sns_engine.h"
#include "services/sqs/sqs_engine.h"
#include "store/store.h"

namespace fanout::services::sns::testing {

namespace json = boost::json;
using protocol::OperationResult;
using protocol::RequestContext;
using protocol::ServiceError;

inline constexpr const char* kAccount = "123456789012";
inline constexpr const char* kOtherAccount = "210987654321";

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "fanout-sns-XXXXXX").string();
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
  context.wire_protocol = "query";
  return context;
}

// Verifies a base64 RSA signature over `data` with the certificate's key.
inline bool verify_signature(const std::string& cert_pem, const std::string& data,
                             const std::string& signature_b64, const EVP_MD* md) {
  auto signature = crypto::base64_decode(signature_b64);
  if (!signature) return false;
  BIO* bio = BIO_new_mem_buf(cert_pem.data(), static_cast<int>(cert_pem.size()));
  X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (!cert) return false;
  EVP_PKEY* key = X509_get_pubkey(cert);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok =
      EVP_DigestVerifyInit(ctx, nullptr, md, nullptr, key) == 1 &&
      EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(signature->data()), signature->size(),
                       reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(key);
  X509_free(cert);
  return ok;
}

// The canonical string of a delivered Notification / confirmation, rebuilt from its JSON as a
// subscriber would.
inline std::string string_to_sign(const json::object& m) {
  auto field = [&](const char* name) {
    return std::string(name) + "\n" + std::string(m.at(name).as_string()) + "\n";
  };
  std::string out;
  if (m.at("Type").as_string() == "Notification") {
    out += field("Message") + field("MessageId");
    if (m.contains("Subject")) out += field("Subject");
    out += field("Timestamp") + field("TopicArn") + field("Type");
  } else {
    out += field("Message") + field("MessageId") + field("SubscribeURL") + field("Timestamp") +
           field("Token") + field("TopicArn") + field("Type");
  }
  return out;
}

class SnsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_.signing_key_bits = 1024;  // fast key generation in tests
    options_.tick_interval_ms = 20;
    open(store::Durability::memory, "");
  }
  void TearDown() override { close(); }

  void open(store::Durability durability, const std::string& dir) {
    store::Options options;
    options.dir = dir;
    options.durability = durability;
    options.column_families = sqs::SqsEngine::column_families();
    for (auto& cf : SnsEngine::column_families()) options.column_families.push_back(cf);
    options.point_read_families = sqs::SqsEngine::point_read_families();
    options.write_only_families = sqs::SqsEngine::write_only_families();
    options.sequenced_families = sqs::SqsEngine::sequenced_families();
    store_ = store::Store::open(options);
    sqs_ = std::make_unique<sqs::SqsEngine>(*store_, clock_, timers_);
    sns_ = std::make_unique<SnsEngine>(*store_, clock_, timers_, *sqs_, options_);
  }
  void close() {
    sns_.reset();
    sqs_.reset();
    store_.reset();
  }

  static OperationResult call(protocol::ServiceEngine& engine, const std::string& operation,
                              json::object input, const RequestContext& context) {
    auto promise = std::make_shared<std::promise<OperationResult>>();
    auto future = promise->get_future();
    engine.invoke(context, operation, std::move(input),
                  [promise](OperationResult result) { promise->set_value(std::move(result)); });
    if (future.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
      ADD_FAILURE() << operation << " did not complete";
      return ServiceError::make("Timeout", "did not complete");
    }
    return future.get();
  }

  static json::object expect_ok(OperationResult result, const std::string& operation) {
    if (auto* error = std::get_if<ServiceError>(&result)) {
      ADD_FAILURE() << operation << " failed: " << error->code << ": " << error->message;
      return {};
    }
    return std::get<json::object>(std::move(result));
  }
  static ServiceError expect_error(OperationResult result, const std::string& operation) {
    if (auto* e = std::get_if<ServiceError>(&result)) return *e;
    ADD_FAILURE() << operation
                  << " unexpectedly succeeded: " << json::serialize(std::get<json::object>(result));
    return {};
  }

  json::object ok(const std::string& operation, json::object input,
                  const RequestContext& context = context_for(kAccount)) {
    return expect_ok(call(*sns_, operation, std::move(input), context), operation);
  }
  ServiceError error(const std::string& operation, json::object input,
                     const RequestContext& context = context_for(kAccount)) {
    return expect_error(call(*sns_, operation, std::move(input), context), operation);
  }
  json::object sqs_ok(const std::string& operation, json::object input,
                      const RequestContext& context = context_for(kAccount)) {
    return expect_ok(call(*sqs_, operation, std::move(input), context), operation);
  }

  std::string create_topic(const std::string& name, json::object attributes = {}) {
    json::object input{{"Name", name}};
    if (!attributes.empty()) input["Attributes"] = std::move(attributes);
    return std::string(ok("CreateTopic", std::move(input))["TopicArn"].as_string());
  }

  struct Queue {
    std::string url;
    std::string arn;
  };
  Queue create_queue(const std::string& name, json::object attributes = {},
                     const RequestContext& context = context_for(kAccount)) {
    json::object input{{"QueueName", name}};
    if (!attributes.empty()) input["Attributes"] = std::move(attributes);
    auto out = sqs_ok("CreateQueue", std::move(input), context);
    return {std::string(out["QueueUrl"].as_string()),
            "arn:aws:sqs:us-east-1:" + context.account_id + ":" + name};
  }

  std::string subscribe(const std::string& topic, const std::string& protocol, const std::string& endpoint,
                        json::object attributes = {}, const RequestContext& context = context_for(kAccount)) {
    json::object input{
        {"TopicArn", topic}, {"Protocol", protocol}, {"Endpoint", endpoint}, {"ReturnSubscriptionArn", true}};
    if (!attributes.empty()) input["Attributes"] = std::move(attributes);
    return std::string(ok("Subscribe", std::move(input), context)["SubscriptionArn"].as_string());
  }

  json::array receive(const std::string& url, const RequestContext& context = context_for(kAccount)) {
    auto out = sqs_ok("ReceiveMessage",
                      json::object{{"QueueUrl", url},
                                   {"MaxNumberOfMessages", 10},
                                   {"MessageAttributeNames", json::array{"All"}},
                                   {"AttributeNames", json::array{"All"}}},
                      context);
    if (auto* m = out.if_contains("Messages")) return m->as_array();
    return {};
  }

  // Bodies of everything in the queue, in receive order; each is deleted once received.
  std::vector<std::string> drain(const std::string& url,
                                 const RequestContext& context = context_for(kAccount)) {
    std::vector<std::string> bodies;
    for (int i = 0; i < 20; ++i) {
      auto messages = receive(url, context);
      if (messages.empty()) break;
      for (const auto& m : messages) {
        bodies.emplace_back(m.as_object().at("Body").as_string());
        sqs_ok("DeleteMessage", {{"QueueUrl", url}, {"ReceiptHandle", m.as_object().at("ReceiptHandle")}},
               context);
      }
    }
    return bodies;
  }

  // Polls `condition` (ticking the engine) until it holds or `timeout` passes.
  template <class F>
  bool eventually(F condition, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (condition()) return true;
      sns_->tick();
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return condition();
  }

  ManualClock clock_;
  TimerQueue timers_;
  SnsOptions options_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<sqs::SqsEngine> sqs_;
  std::unique_ptr<SnsEngine> sns_;
};

}  // namespace fanout::services::sns::testing
