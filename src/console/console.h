// fanoutd's web console: the embedded pages under /_fanout/console/, their JSON API under
// /_fanout/api/, LocalStack's SQS peek endpoint (GET /_aws/sqs/messages?QueueUrl=...), and the
// redirect of a browser opening "/". Nothing here runs on the message path: the console reads
// the engines when a page asks (rates come from the pages' successive samples).
#pragma once

#include <memory>
#include <string>

#include "common/clock.h"
#include "console/console_api.h"
#include "console/console_auth.h"
#include "console/work_pool.h"
#include "net/http_handler.h"
#include "server/accounts.h"

namespace fanout::server {
class Gateway;
}
namespace fanout::services {
class ServiceSet;
}

namespace fanout::console {

class Console {
 public:
  static constexpr std::string_view kPagesPath = "/_fanout/console/";
  static constexpr std::string_view kApiPath = "/_fanout/api/";
  static constexpr std::string_view kPeekPath = "/_aws/sqs/messages";

  Console(const server::AccountRegistry& accounts, const Clock& clock, services::ServiceSet& services,
          std::string region);
  ~Console();

  void register_with(server::Gateway& gateway);
  // Before the engines stop: finishes API calls in progress and refuses new ones.
  void stop() { pool_.stop(); }

 private:
  void serve_page(const net::Request& request, net::Respond& respond) const;
  void serve_api(const net::Request& request, const net::Peer& peer, const net::Respond& respond);
  void serve_peek(const net::Request& request, const net::Peer& peer, net::Respond respond);
  protocol::RequestContext context_for(const net::Request& request, const net::Peer& peer,
                                       const std::string& account) const;

  ConsoleAuth auth_;
  std::string region_;
  ConsoleApi api_;
  services::ServiceSet& services_;
  WorkPool pool_;  // last: its threads use the members above
};

}  // namespace fanout::console
