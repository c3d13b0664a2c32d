// The console's JSON API (/_fanout/api/...): what the pages show, gathered from the engines
// through the same model-validated in-process calls the AWS APIs make (so it shows exactly what
// an AWS client would see), plus the engines' read-only activity counters that AWS has no API
// for. Every answer is scoped to the caller's account. Calls block: run them off the I/O threads.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "protocol/operation.h"
#include "protocol/service_error.h"

namespace fanout::services {
class ServiceSet;
}

namespace fanout::console {

struct ApiRequest {
  std::string method;                        // GET | POST
  std::vector<std::string> path;             // segments after /_fanout/api/, decoded
  std::map<std::string, std::string> query;  // decoded
  boost::json::object body;                  // POST bodies (JSON)
  protocol::RequestContext context;          // account, region, host as the caller reached us
};

// An object's file for download (sent by the caller without reading it into memory).
struct ObjectDownload {
  std::string file;
  std::uint64_t size = 0;
  std::string content_type;
  std::string content_encoding;
  std::string etag;
};

using ApiResult = std::variant<boost::json::value, ObjectDownload, protocol::ServiceError>;

class ConsoleApi {
 public:
  explicit ConsoleApi(services::ServiceSet& services) : services_(services) {}
  ApiResult handle(const ApiRequest& request);

 private:
  boost::json::object call(const protocol::RequestContext& context, const std::string& service,
                           const std::string& operation, boost::json::object input);
  std::string queue_url(const protocol::RequestContext& context, const std::string& name) const;

  boost::json::array queues(const protocol::RequestContext& context);
  boost::json::object queue(const protocol::RequestContext& context, const std::string& name);
  boost::json::array topics(const protocol::RequestContext& context);
  boost::json::array streams(const protocol::RequestContext& context);
  boost::json::array buckets(const protocol::RequestContext& context);
  boost::json::array stacks(const protocol::RequestContext& context);
  boost::json::value objects(const ApiRequest& request, const std::string& bucket);
  ApiResult object(const ApiRequest& request, const std::string& bucket, bool download);

  services::ServiceSet& services_;
};

}  // namespace fanout::console
