#include "services/sqs/queue.h"

#include <boost/json.hpp>

#include "services/sqs/queue_address.h"

namespace fanout::services::sqs {

Queue::Queue(std::uint64_t id_, std::string account_, std::string name_, std::string region_, bool fifo_)
    : id(id_),
      account(std::move(account_)),
      name(std::move(name_)),
      region(region_.empty() ? "us-east-1" : std::move(region_)),
      fifo(fifo_),
      arn(format_queue_arn(region, account, name)),
      index(fifo_) {
  settings.fifo_queue = fifo_;
}

std::string Queue::encode_record() const {
  boost::json::object out;
  out["id"] = id;
  out["account"] = account;
  out["name"] = name;
  out["region"] = region;
  out["fifo"] = fifo;
  out["created_ms"] = created_ms;
  out["modified_ms"] = modified_ms;
  boost::json::object attributes;
  for (const auto& [k, v] : settings.to_map()) attributes[k] = v;
  out["attributes"] = std::move(attributes);
  boost::json::object tag_map;
  for (const auto& [k, v] : tags) tag_map[k] = v;
  out["tags"] = std::move(tag_map);
  return boost::json::serialize(out);
}

std::shared_ptr<Queue> Queue::decode_record(std::string_view json) {
  boost::system::error_code ec;
  auto parsed = boost::json::parse(json, ec);
  if (ec || !parsed.is_object()) return nullptr;
  const auto& o = parsed.get_object();
  try {
    auto queue = std::make_shared<Queue>(boost::json::value_to<std::uint64_t>(o.at("id")),
                                         std::string(o.at("account").as_string()),
                                         std::string(o.at("name").as_string()),
                                         std::string(o.at("region").as_string()), o.at("fifo").as_bool());
    queue->created_ms = boost::json::value_to<std::int64_t>(o.at("created_ms"));
    queue->modified_ms = boost::json::value_to<std::int64_t>(o.at("modified_ms"));
    std::map<std::string, std::string> attributes;
    for (const auto& entry : o.at("attributes").as_object()) {
      attributes[std::string(entry.key())] = std::string(entry.value().as_string());
    }
    apply_queue_attributes(queue->settings, attributes);
    queue->settings.fifo_queue = queue->fifo;
    for (const auto& entry : o.at("tags").as_object()) {
      queue->tags[std::string(entry.key())] = std::string(entry.value().as_string());
    }
    return queue;
  } catch (const std::exception&) {
    return nullptr;
  }
}

std::string queue_record_key(std::string_view account, std::string_view name) {
  std::string key(account);
  key.push_back('/');
  key.append(name);
  return key;
}

}  // namespace fanout::services::sqs
