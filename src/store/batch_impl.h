// The operations a Batch records. Kept as plain data (column family by name) because a Batch is
// built before, and independently of, the store that will apply it.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "store/store.h"

namespace fanout::store {

// Outside Batch::Impl (which is private to Store) so store implementations can name it.
struct BatchOp {
  enum class Kind { put, erase, erase_range };
  Kind kind;
  std::string cf;
  std::string key;
  std::string value;  // the value for put, the exclusive end key for erase_range
};

struct Batch::Impl {
  std::vector<BatchOp> ops;
  std::size_t bytes = 0;
  bool acknowledge_when_written = false;
};

}  // namespace fanout::store
