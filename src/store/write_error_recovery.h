// Who recovers RocksDB after a failed WAL write (e.g. ENOSPC): the store, not RocksDB.
#pragma once

#include <memory>

namespace rocksdb {
class EventListener;
}

namespace fanout::store {

// RocksDB stops accepting writes after a WAL write fails. Its own recovery for that case polls
// free space only every few seconds, and manual DB::Resume() calls are refused while it runs.
// The store instead calls Resume() right before its next write attempt, so writes work again the
// moment space returns. Flush and compaction errors keep RocksDB's automatic recovery: no
// foreground write would notice them (writes would just stall).
std::shared_ptr<rocksdb::EventListener> make_write_error_recovery_listener();

}  // namespace fanout::store
