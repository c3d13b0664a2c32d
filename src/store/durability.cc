#include <optional>
#include <string_view>

#include "store/store.h"

namespace fanout::store {

std::optional<Durability> parse_durability(std::string_view text) {
  if (text == "fsync") return Durability::fsync;
  if (text == "relaxed") return Durability::relaxed;
  if (text == "memory") return Durability::memory;
  return std::nullopt;
}

}  // namespace fanout::store
