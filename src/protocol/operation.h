// The protocol-neutral contract between the wire codecs and the service engines:
// an operation takes a JSON-shaped input (member names as in the service model) and
// completes, possibly later and on another thread, with an output object or an error.
#pragma once

#include <boost/json/object.hpp>
#include <functional>
#include <string>
#include <variant>

#include "protocol/service_error.h"

namespace fanout::protocol {

// Who is calling and how they reached us; every engine call carries one.
struct RequestContext {
  std::string request_id;
  std::string account_id;  // 12 digits; every resource is namespaced by it
  std::string access_key_id;
  std::string region;  // from the SigV4 credential scope
  std::string host;    // Host header as the client addressed it, e.g. "localhost:4566"
  std::string scheme = "http";
  std::string path;           // request path; SQS query clients may post to the queue URL
  std::string wire_protocol;  // "query" or "json"
  // Set for requests that may wait long (SQS ReceiveMessage): registers what to run if the client
  // disconnects before the answer (see net::DisconnectWatch). Empty where nobody can tell.
  std::function<void(std::function<void()> on_gone)> on_client_gone;
};

using OperationResult = std::variant<boost::json::object, ServiceError>;
using Completion = std::function<void(OperationResult)>;

// One per service. Operations are looked up by their model name ("SendMessage").
class ServiceEngine {
 public:
  virtual ~ServiceEngine() = default;
  // Must call done exactly once, on any thread. Long-running waits (long polls) must not
  // block the calling thread.
  virtual void invoke(const RequestContext& context, const std::string& operation, boost::json::object input,
                      Completion done) = 0;
};

}  // namespace fanout::protocol
