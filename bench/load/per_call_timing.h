// Wall time per call of an in-process step, for the microbenchmarks: run it `calls` times and
// divide. Callers take the best of several rounds, since this VM's noise only ever adds time.
#pragma once

#include <chrono>

namespace fanout::bench {

template <class Step>
double microseconds_per_call(int calls, Step&& step) {
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < calls; ++i) step();
  return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count() / calls;
}

}  // namespace fanout::bench
