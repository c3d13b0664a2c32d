// Dynamic partitioning's MetadataExtractionQuery: the JQ subset AWS documents for it, an object
// construction whose values are paths into the record, e.g.
//   {customer_id: .customer.id, device: .device["type"], first: .items[0].sku}
// (keys bare or quoted; path steps .name, ."name", ["name"], [index]; an optional trailing `?`).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace fanout::services::firehose {

class MetadataQuery {
 public:
  // nullopt with `error` set when the query is outside the supported subset.
  static std::optional<MetadataQuery> parse(std::string_view text, std::string* error = nullptr);

  // Partition key names, in query order.
  std::vector<std::string> keys() const;

  // The partition keys for one record, or nullopt when the record is not a JSON object or a path
  // yields null / an object / an array (the record then fails partitioning, as on AWS). Strings
  // evaluate to their text, numbers and booleans to their JSON text.
  std::optional<std::map<std::string, std::string>> evaluate(std::string_view record) const;

 private:
  using Step = std::variant<std::string, long>;  // member name or array index
  struct Field {
    std::string key;
    std::vector<Step> path;
  };
  std::vector<Field> fields_;
};

}  // namespace fanout::services::firehose
