// Random but realistic e-commerce data for the "consumer.created" event: a Brazilian consumer
// (the reference system's market: CPF with valid check digits, CEP, BRL), one order of 1-4
// catalogue items and its payment.
#pragma once

#include <random>

#include "ecommerce_event.h"

namespace fanout::apps {

class EventGenerator {
 public:
  explicit EventGenerator(std::uint64_t seed = std::random_device{}());

  // occurred_at is left for the publisher to stamp at publish time.
  ConsumerCreatedEvent next();

 private:
  std::string uuid();
  // UUID version 7 (RFC 9562): the current Unix time in milliseconds, then random bits. For
  // event_id, the key every service indexes: ids created later sort later.
  std::string time_ordered_uuid();
  std::string cpf();
  template <typename T, std::size_t N>
  const T& pick(const T (&choices)[N]) {
    return choices[std::uniform_int_distribution<std::size_t>(0, N - 1)(random_)];
  }
  int between(int low, int high) { return std::uniform_int_distribution<int>(low, high)(random_); }

  std::mt19937_64 random_;
};

}  // namespace fanout::apps
