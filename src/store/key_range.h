// Key-space arithmetic for byte-ordered keys.
#pragma once

#include <string>
#include <string_view>

namespace fanout::store {

// The smallest key greater than every key that starts with prefix, or "" when no such key
// exists (empty prefix, or a prefix made only of 0xff bytes): then the scan is unbounded above.
std::string prefix_successor(std::string_view prefix);

}  // namespace fanout::store
