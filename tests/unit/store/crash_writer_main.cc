// Test helper for crash_test.cc: commits numbered keys in fsync mode forever and prints each
// number once its commit is acknowledged durable. The test kill -9's it at a random moment.
// Every third commit is acknowledged once written, before its fsync (as SQS receives are): kill -9
// must not lose those either, and groups mix both kinds.
//
// Usage: store_crash_writer <data-dir>
#include <cstdio>
#include <cstdlib>
#include <semaphore>
#include <string>

#include "store/store.h"

namespace {

// Zero-padded so key order is numeric order.
std::string key_for(unsigned long long n) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%012llu", n);
  return buffer;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <data-dir>\n", argv[0]);
    return 2;
  }
  using fanout::store::Batch;
  using fanout::store::Status;
  // "index" is write-only, as SQS's meta records are in fanoutd: a vector memtable.
  fanout::store::Options options{argv[1], fanout::store::Durability::fsync, {"messages", "index"}};
  options.write_only_families = {"index"};
  auto store = fanout::store::Store::open(options);

  // Bounds the commits in flight, like a server bounds concurrent requests; enough for groups
  // to form while an fsync runs.
  std::counting_semaphore<> in_flight(64);
  for (unsigned long long n = 1;; ++n) {
    in_flight.acquire();
    const std::string key = key_for(n);
    Batch batch;
    batch.put("messages", key, "body of message " + key);
    batch.put("index", key, "ref");
    if (n % 3 == 0) batch.acknowledge_when_written();
    store->commit(std::move(batch), [n, &in_flight](const Status& status) {
      if (!status.ok) {
        std::fprintf(stderr, "commit %llu failed: %s\n", n, status.message.c_str());
        std::_Exit(1);
      }
      // The line is the acknowledgement: once it is in the pipe, the key must survive kill -9.
      std::printf("%llu\n", n);
      std::fflush(stdout);
      in_flight.release();
    });
  }
}
