#include "services/sns/outbox_entry.h"

#include <boost/json.hpp>

namespace fanout::services::sns {

namespace json = boost::json;

json::object OutboxEntry::to_record() const {
  return json::object{{"id", id},
                      {"kind", kind == Kind::http ? "http" : "firehose"},
                      {"subscription_arn", subscription_arn},
                      {"topic_arn", topic_arn},
                      {"account", account},
                      {"endpoint", endpoint},
                      {"role_arn", role_arn},
                      {"message_type", message_type},
                      {"message_id", message_id},
                      {"raw", raw},
                      {"content_type", content_type},
                      {"body", body},
                      {"attributes", attributes_to_record(attributes)},
                      {"dead_letter_arn", dead_letter_arn},
                      {"group_id", group_id},
                      {"deduplication_id", deduplication_id},
                      {"retry", retry.to_json()},
                      {"needs_subscription", needs_subscription},
                      {"attempts", attempts},
                      {"created_ms", created_ms},
                      {"due_ms", due_ms}};
}

OutboxEntry OutboxEntry::from_record(const json::object& r) {
  OutboxEntry e;
  auto str = [&](std::string_view key) { return std::string(r.at(key).as_string()); };
  e.id = str("id");
  e.kind = str("kind") == "firehose" ? Kind::firehose : Kind::http;
  e.subscription_arn = str("subscription_arn");
  e.topic_arn = str("topic_arn");
  e.account = str("account");
  e.endpoint = str("endpoint");
  e.role_arn = str("role_arn");
  e.message_type = str("message_type");
  e.message_id = str("message_id");
  e.raw = r.at("raw").as_bool();
  e.content_type = str("content_type");
  e.body = str("body");
  e.attributes = attributes_from_record(r.if_contains("attributes"));
  e.dead_letter_arn = str("dead_letter_arn");
  e.group_id = str("group_id");
  e.deduplication_id = str("deduplication_id");
  e.retry = RetryPolicy::from_json(r.at("retry").as_object());
  e.needs_subscription = r.at("needs_subscription").as_bool();
  e.attempts = static_cast<int>(r.at("attempts").to_number<std::int64_t>());
  e.created_ms = r.at("created_ms").to_number<std::int64_t>();
  e.due_ms = r.at("due_ms").to_number<std::int64_t>();
  return e;
}

std::string OutboxEntry::serialize() const { return json::serialize(to_record()); }

OutboxEntry OutboxEntry::parse(std::string_view text) { return from_record(json::parse(text).as_object()); }

}  // namespace fanout::services::sns
