// Which outbox deliveries to attempt next. HTTP/S and Firehose deliveries are scheduled apart,
// each in due-time order with its own cap on attempts in flight, so HTTP endpoints (any client can
// subscribe any URL) never hold the slots of the reference system's Firehose leg. HTTP/S
// deliveries also have a share per subscription: an endpoint that accepts connections and never
// answers holds that many attempts until they time out, not every slot, and the deliveries to
// every other endpoint keep flowing; its deliveries over the share wait, in order, until one of its
// attempts ends. Firehose deliveries are parked while no sink is set.
// Not thread-safe: the engine holds its outbox mutex around every call.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "services/sns/outbox_entry.h"

namespace fanout::services::sns {

class OutboxScheduler {
 public:
  struct Ref {
    std::string id;  // the outbox record's key
    OutboxEntry::Kind kind = OutboxEntry::Kind::http;
    std::string subscription;  // ARN
  };

  // max_in_flight: attempts at once, for each kind; max_per_subscription: of those, for one HTTP/S
  // subscription.
  OutboxScheduler(std::size_t max_in_flight, std::size_t max_per_subscription);

  // A delivery due at due_ms (parked instead if it is a Firehose one and no sink is set).
  void add(Ref ref, std::int64_t due_ms);
  // The deliveries to attempt now, each counted in flight until finished() is called for it.
  std::vector<Ref> take_due(std::int64_t now_ms);
  // An attempt taken by take_due() ended, whatever its outcome.
  void finished(const Ref& ref);
  // Whether Firehose deliveries can be attempted; setting it makes the parked ones due at once.
  void set_sink_available(bool available);
  // Forgets every delivery not in flight (in-flight ones still end with finished()).
  void clear();
  // Deliveries waiting, parked or in flight.
  std::size_t size() const;

 private:
  // The schedule of one kind of delivery.
  class Queue {
   public:
    Queue(std::size_t max_in_flight, std::size_t max_per_subscription);
    void add(Ref ref, std::int64_t due_ms) { due_.emplace(due_ms, std::move(ref)); }
    void take_due(std::int64_t now_ms, std::vector<Ref>& ready);
    void finished(const std::string& subscription);
    void clear();
    std::size_t size() const { return due_.size() + held_ + in_flight_; }

   private:
    struct Lane {
      std::size_t in_flight = 0;
      std::deque<std::pair<std::int64_t, Ref>> held;  // due, over the subscription's share
    };
    std::size_t max_in_flight_;
    std::size_t max_per_subscription_;
    std::multimap<std::int64_t, Ref> due_;  // due_ms → delivery
    std::unordered_map<std::string, Lane> lanes_;
    std::size_t in_flight_ = 0;
    std::size_t held_ = 0;
  };

  Queue& queue_for(OutboxEntry::Kind kind) { return kind == OutboxEntry::Kind::http ? http_ : firehose_; }

  Queue http_;
  Queue firehose_;
  bool sink_available_ = false;
  std::vector<Ref> parked_;  // Firehose deliveries waiting for a sink
};

}  // namespace fanout::services::sns
