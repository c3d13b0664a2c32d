// The "consumer.created" event (version 1.0) the producer publishes and the orders and payments
// services record: a new consumer, the order it places and the order's payment. Money travels as
// decimal strings ("59.97") so no binary floating point touches it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fanout::apps {

struct Address {
  std::string street;
  std::string city;
  std::string state;
  std::string postal_code;
  std::string country;
};

struct ConsumerRecord {
  std::string id;  // UUID
  std::string name;
  std::string email;
  std::string document_number;
  Address address;
  std::string created_at;  // ISO 8601 UTC
};

struct OrderItem {
  std::string sku;
  std::string description;
  int quantity = 0;
  std::int64_t unit_price_cents = 0;
};

struct Order {
  std::string id;
  std::string consumer_id;
  std::vector<OrderItem> items;
  std::int64_t total_cents = 0;
  std::string currency;
};

struct Payment {
  std::string id;
  std::string order_id;
  std::string method;  // credit_card, debit_card, pix, boleto
  std::int64_t amount_cents = 0;
  std::string currency;
  std::string status;  // approved, pending, declined
};

struct ConsumerCreatedEvent {
  static constexpr std::string_view kType = "consumer.created";
  static constexpr std::string_view kVersion = "1.0";

  std::string event_id;     // UUID: the idempotency key of both services
  std::string occurred_at;  // ISO 8601 UTC with milliseconds, stamped at publish
  ConsumerRecord consumer;
  Order order;
  Payment payment;
};

std::string to_json(const ConsumerCreatedEvent& event);
// Appends an order's items as the JSON array the event carries (the orders service stores the
// same text).
void append_items_json(std::string& out, const std::vector<OrderItem>& items);

// Validates everything a service relies on (types, formats, totals, cross references). The error
// says what is wrong, for the poison-message log.
struct EventParseResult {
  std::optional<ConsumerCreatedEvent> event;
  std::string error;
};
EventParseResult parse_event(std::string_view json_text);

// An SQS body is either an SNS notification envelope ({"Type":"Notification","Message":...}) or,
// with raw message delivery, the event itself: the event it carries, checked as parse_event
// checks it, or the error (also for an envelope that is not a usable notification).
EventParseResult parse_sqs_body(std::string_view body);

// "59.97" <-> 5997. nullopt unless the text is digits, '.', exactly two digits.
std::optional<std::int64_t> parse_money(std::string_view text);
std::string format_money(std::int64_t cents);

// Milliseconds since the epoch <-> "2026-11-28T01:02:03.456Z".
std::string format_timestamp_ms(std::int64_t epoch_ms);
std::optional<std::int64_t> parse_timestamp_ms(std::string_view text);
std::int64_t now_ms();

}  // namespace fanout::apps
