// Where RocksDB's own log lines go: fanoutd's stderr, not a LOG file in the data dir.
#pragma once

#include <memory>

namespace rocksdb {
class Logger;
}

namespace fanout::store {

// RocksDB 7.8's file logger aborts the process (an assertion Debian's build keeps) when it
// writes again after a failed write, which is what the first message after ENOSPC does: a full
// disk would crash fanoutd instead of failing writes. A logger that never touches the disk
// cannot fail that way, and keeps RocksDB's warnings visible with fanoutd's own.
std::shared_ptr<rocksdb::Logger> make_stderr_logger();

}  // namespace fanout::store
