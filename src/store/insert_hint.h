// Memtable insert hints for families whose keys are a fixed-length prefix followed by a sequence
// that grows per prefix (SQS message bodies: queue id, then the queue's message seq).
//
// With RocksDB's memtable_insert_with_hint_prefix_extractor the skiplist remembers, per prefix,
// where its last key went, so the next key of that queue (or the delete of a message received a
// moment ago) is placed from there instead of searched from the top of a list of ~100,000 keys,
// one cache miss per level. RocksDB before 9.2 applies the same hint to the range-deletion
// skiplist too (facebook/rocksdb#5118, fixed by #12558), which corrupts it; so the hint's domain
// is only keys of exactly the family's key length, and range_delete_outside_hint_domain() keeps
// every range deletion's begin key outside that domain.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace rocksdb {
class ColumnFamilyHandle;
class SliceTransform;
class WriteBatch;
}  // namespace rocksdb

namespace fanout::store {

// The prefix extractor: the first prefix_bytes of a key exactly key_bytes long; other keys are
// outside its domain (inserted without a hint).
std::shared_ptr<const rocksdb::SliceTransform> make_insert_hint_extractor(std::size_t prefix_bytes,
                                                                          std::size_t key_bytes);

// Appends the deletion of [begin, end) to `out` for a hinted family whose keys are key_bytes
// long: a begin key of that length is deleted as a point key, and the range starts at its
// immediate successor (begin + '\0', one byte longer, so outside the hint's domain). Deletes
// exactly the same keys.
void range_delete_outside_hint_domain(rocksdb::WriteBatch& out, rocksdb::ColumnFamilyHandle* family,
                                      std::string_view begin, std::string_view end, std::size_t key_bytes);

}  // namespace fanout::store
