#include "store/rocksdb_logger.h"

#include <rocksdb/env.h>

#include <cstdarg>
#include <cstdio>
#include <memory>

namespace fanout::store {
namespace {

class StderrLogger : public rocksdb::Logger {
 public:
  StderrLogger() : rocksdb::Logger(rocksdb::InfoLogLevel::WARN_LEVEL) {}

  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override {
    char line[1024];
    std::vsnprintf(line, sizeof line, format, ap);
    // One write per line, so lines from RocksDB's threads do not interleave.
    std::fprintf(stderr, "rocksdb: %s\n", line);
  }
};

}  // namespace

std::shared_ptr<rocksdb::Logger> make_stderr_logger() { return std::make_shared<StderrLogger>(); }

}  // namespace fanout::store
