// How resource providers reach the other engines: an operation of a registered ServiceEngine,
// called with model-shaped input (template values coerced to the model's member types and
// validated as the gateway validates a wire request), waited for on the calling worker thread.
#pragma once

#include <boost/json/object.hpp>
#include <functional>
#include <optional>
#include <string>

#include "protocol/operation.h"

namespace fanout::services::cloudformation {

using EngineLookup = std::function<protocol::ServiceEngine*(const std::string& service)>;

// The S3 engine's in-process bucket API (S3 speaks REST, not ServiceEngine::invoke); ServiceSet
// adapts the S3 engine to it.
class BucketOperations {
 public:
  virtual ~BucketOperations() = default;
  virtual std::optional<protocol::ServiceError> create_bucket(const std::string& account_id,
                                                              const std::string& bucket,
                                                              const std::string& region) = 0;
  virtual std::optional<protocol::ServiceError> delete_bucket(const std::string& account_id,
                                                              const std::string& bucket) = 0;
  virtual std::optional<protocol::ServiceError> put_bucket_policy(const std::string& account_id,
                                                                  const std::string& bucket,
                                                                  const std::string& policy_json) = 0;
  virtual bool bucket_exists(const std::string& account_id, const std::string& bucket) const = 0;
  // An object's bytes (templates given by TemplateURL), at most max_bytes; nullopt when absent.
  virtual std::optional<std::string> read_object(const std::string& account_id, const std::string& bucket,
                                                 const std::string& key, std::size_t max_bytes) const = 0;
};

class ServiceCaller {
 public:
  ServiceCaller(EngineLookup engines, BucketOperations* buckets, protocol::RequestContext context)
      : engines_(std::move(engines)), buckets_(buckets), context_(std::move(context)) {}

  // Blocks until the engine completes. "service" is the model name ("sqs", "sns", "firehose").
  protocol::OperationResult call(const std::string& service, const std::string& operation,
                                 boost::json::object input) const;
  bool available(const std::string& service) const { return engines_ && engines_(service) != nullptr; }
  const protocol::RequestContext& context() const { return context_; }
  // Null when this fanoutd has no S3 engine.
  BucketOperations* buckets() const { return buckets_; }

 private:
  EngineLookup engines_;
  BucketOperations* buckets_ = nullptr;
  protocol::RequestContext context_;
};

// Converts template values to the model's types: "60" to 60 for integers, true to "true" for
// strings, objects to JSON text for string members (e.g. RedrivePolicy), recursively.
boost::json::value coerce_to_shape(const std::string& service, const boost::json::object& shape,
                                   const boost::json::value& value);

}  // namespace fanout::services::cloudformation
