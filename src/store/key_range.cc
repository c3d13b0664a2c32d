#include "store/key_range.h"

#include <string>
#include <string_view>

namespace fanout::store {

std::string prefix_successor(std::string_view prefix) {
  std::string bound(prefix);
  // Trailing 0xff bytes cannot be incremented; dropping them and incrementing the byte before
  // gives the next key that no longer shares the prefix.
  while (!bound.empty() && static_cast<unsigned char>(bound.back()) == 0xff) bound.pop_back();
  if (!bound.empty()) bound.back() = static_cast<char>(static_cast<unsigned char>(bound.back()) + 1);
  return bound;
}

}  // namespace fanout::store
