// A model shape compiled for the per-request walks (query decoding, input validation): its type
// as an enum, its members as a vector, and the names and limits those walks ask for, so a
// request never searches the model's JSON. Built once per ServiceModel, for every shape.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace fanout::protocol {

enum class ShapeType : std::uint8_t {
  structure,
  list,
  map,
  string,
  integer,  // 32-bit
  long_integer,
  boolean,
  floating,  // "double" and "float"
  timestamp,
  blob,
  other,
};

struct ShapePlan;

// One reference to a shape: a structure's member, a list's item, a map's key or value. The
// views point into the ServiceModel's JSON, which outlives every plan.
struct MemberPlan {
  std::string_view name;           // the structure member's name (empty for items, keys, values)
  std::string_view location_name;  // the reference's own locationName, or empty
  // The query protocol's name: the reference's locationName, else its shape's, else `name`, as
  // botocore merges them (SQS's TagMap is "Tag").
  std::string_view wire_name;
  const ShapePlan* shape = nullptr;
};

struct ShapePlan {
  ShapeType type = ShapeType::string;
  bool flattened = false;
  std::optional<std::int64_t> min, max;
  std::vector<MemberPlan> members;         // structure, in the model's order
  std::vector<std::string_view> required;  // structure
  MemberPlan item;                         // list
  MemberPlan key, value;                   // map
};

}  // namespace fanout::protocol
