// The operations a Batch records. Kept as plain data (column family by name) because a Batch is
// built before, and independently of, the store that will apply it. Every op's family, key and
// value sit back to back in one buffer: a batch costs a few growing allocations, not three per op
// (an SQS send batch or an SNS fan-out holds tens of ops).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "store/store.h"

namespace fanout::store {

// Outside Batch::Impl (which is private to Store) so store implementations can name it.
struct BatchOp {
  enum class Kind { put, erase, erase_range };
  Kind kind;
  // Where the family name, the key and the value (put: the value; erase_range: the exclusive end
  // key) sit in Batch::Impl::data.
  std::size_t cf_offset;
  std::size_t cf_size;
  std::size_t key_offset;
  std::size_t key_size;
  std::size_t value_offset;
  std::size_t value_size;
};

struct Batch::Impl {
  std::string data;  // also Batch::size_bytes(): exactly the ops' families, keys and values
  std::vector<BatchOp> ops;
  bool acknowledge_when_written = false;

  void add(BatchOp::Kind kind, std::string_view cf, std::string_view key, std::string_view value) {
    BatchOp op{kind, data.size(), cf.size(), 0, key.size(), 0, value.size()};
    data.append(cf);
    op.key_offset = data.size();
    data.append(key);
    op.value_offset = data.size();
    data.append(value);
    ops.push_back(op);
  }
  std::string_view cf(const BatchOp& op) const {
    return std::string_view(data).substr(op.cf_offset, op.cf_size);
  }
  std::string_view key(const BatchOp& op) const {
    return std::string_view(data).substr(op.key_offset, op.key_size);
  }
  std::string_view value(const BatchOp& op) const {
    return std::string_view(data).substr(op.value_offset, op.value_size);
  }
};

}  // namespace fanout::store
