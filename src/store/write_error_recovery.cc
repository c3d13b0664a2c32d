#include "store/write_error_recovery.h"

#include <rocksdb/listener.h>

#include <memory>

namespace fanout::store {
namespace {

class WriteErrorRecoveryListener : public rocksdb::EventListener {
 public:
  const char* Name() const override { return "FanoutWriteErrorRecovery"; }

  void OnErrorRecoveryBegin(rocksdb::BackgroundErrorReason reason, rocksdb::Status /*error*/,
                            bool* auto_recovery) override {
    if (reason == rocksdb::BackgroundErrorReason::kWriteCallback) *auto_recovery = false;
  }
};

}  // namespace

std::shared_ptr<rocksdb::EventListener> make_write_error_recovery_listener() {
  return std::make_shared<WriteErrorRecoveryListener>();
}

}  // namespace fanout::store
