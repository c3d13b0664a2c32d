// The service engines fanoutd runs, wired to the store, the clock and the timers, and
// registered with the gateway.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/timer_queue.h"
#include "store/store.h"

namespace fanout::server {
class Gateway;
}
namespace fanout::services::sqs {
class SqsEngine;
}
namespace fanout::services::sns {
class SnsEngine;
}

namespace fanout::services {

class ServiceSet {
 public:
  ServiceSet(store::Store& store, const Clock& clock, std::string region);
  ~ServiceSet();

  // Every column family any engine uses, for opening the store.
  static std::vector<std::string> column_families();

  void register_with(server::Gateway& gateway);
  // Shutdown: answer pending long polls, stop timers.
  void stop();

  sqs::SqsEngine& sqs() { return *sqs_; }
  sns::SnsEngine& sns() { return *sns_; }

 private:
  store::Store& store_;
  const Clock& clock_;
  std::string region_;
  TimerQueue timers_;
  std::unique_ptr<sqs::SqsEngine> sqs_;
  std::unique_ptr<sns::SnsEngine> sns_;  // after sqs_: it delivers into it
};

}  // namespace fanout::services
