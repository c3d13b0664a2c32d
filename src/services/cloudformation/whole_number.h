// Template numbers (doubles) as long long. A template may hold any number, and converting a
// double outside long long's range is undefined behaviour.
#pragma once

#include <algorithm>
#include <cmath>
#include <optional>

namespace fanout::services::cloudformation {

inline constexpr double kLongLongBound = 9.2e18;  // just under 2^63

// `v` when it is a whole number inside long long's range, else nullopt.
inline std::optional<long long> exact_long_long(double v) {
  if (std::fabs(v) < kLongLongBound && v == std::trunc(v)) return static_cast<long long>(v);
  return std::nullopt;
}

// `v` clamped to long long's range (NaN gives 0).
inline long long saturated_long_long(double v) {
  if (std::isnan(v)) return 0;
  return static_cast<long long>(std::clamp(v, -kLongLongBound, kLongLongBound));
}

}  // namespace fanout::services::cloudformation
