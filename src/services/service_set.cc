#include "services/service_set.h"

#include <spdlog/spdlog.h>

#include "server/gateway.h"
#include "services/sqs/sqs_engine.h"

namespace fanout::services {

ServiceSet::ServiceSet(store::Store& store, const Clock& clock, std::string region)
    : store_(store), clock_(clock), region_(std::move(region)) {
  sqs_ = std::make_unique<sqs::SqsEngine>(store_, clock_, timers_);
}

ServiceSet::~ServiceSet() { stop(); }

std::vector<std::string> ServiceSet::column_families() {
  std::vector<std::string> families;
  for (auto& cf : sqs::SqsEngine::column_families()) families.push_back(cf);
  return families;
}

void ServiceSet::register_with(server::Gateway& gateway) {
  gateway.register_engine("sqs", sqs_.get());
  gateway.on_reset([this] {
    sqs_->reset();
    if (auto status = store_.wipe(); !status.ok) spdlog::error("reset: store wipe failed: {}", status.message);
  });
  gateway.on_metrics([this] { return sqs_->prometheus_metrics(); });
}

void ServiceSet::stop() {
  if (sqs_) sqs_->stop();
}

}  // namespace fanout::services
