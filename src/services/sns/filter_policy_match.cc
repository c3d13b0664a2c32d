// Filter policy matching. A message is a JSON object (attributes are turned into one); each
// condition's path is walked down the tree, where a key may hold a dotted part of the path
// ({"a": {"b": 1}} and {"a.b": 1} both have the path "a.b"). Conditions that enter the same array
// must be satisfied by the same element (event-ruler's array consistency), so the walk tries the
// elements of an array one at a time with every condition that goes through it.
#include <boost/json/parse.hpp>
#include <charconv>
#include <cmath>

#include "services/sns/filter_policy_internal.h"

namespace fanout::services::sns {
namespace {

using namespace filter;
namespace json = boost::json;

constexpr std::size_t kMaxBodyDepth = 1000;
// Bodies whose keys themselves contain dots can make a path reachable by several routes, and the
// routes of several conditions multiply. The walk is bounded per message (far above what a 256 KiB
// message with the largest policy needs); a message that exhausts it does not match.
constexpr std::size_t kMaxSteps = std::size_t{1} << 24;

struct Active {
  const Condition* condition;
  std::string_view rest;  // the part of the path below the current node
  bool at_leaf = false;   // the whole path has been consumed: the node is the value
};

struct Route {
  const boost::json::value* child;
  std::string_view rest;
  bool at_leaf;
};

struct Walk {
  std::size_t steps_left = kMaxSteps;
  bool exhausted = false;

  bool step() {
    if (steps_left == 0) {
      exhausted = true;
      return false;
    }
    --steps_left;
    return true;
  }

  // The keys of `object` through which `rest` can continue: `rest` itself, or any prefix of it
  // that ends just before a dot.
  static void candidates(const json::object& object, std::string_view rest, std::vector<Route>& out) {
    out.clear();
    for (std::size_t dot = rest.find('.'); dot != std::string_view::npos; dot = rest.find('.', dot + 1)) {
      if (const json::value* child = object.if_contains(json::string_view(rest.data(), dot))) {
        out.push_back({child, rest.substr(dot + 1), false});
      }
    }
    if (const json::value* child = object.if_contains(json::string_view(rest.data(), rest.size()))) {
      out.push_back({child, std::string_view(), true});
    }
  }

  // Is there any leaf value at `rest` below `node`?
  bool present(const json::value& node, std::string_view rest, bool at_leaf) {
    if (!step()) return false;
    if (node.is_array()) {
      for (const auto& element : node.get_array()) {
        if (present(element, rest, at_leaf)) return true;
      }
      return false;
    }
    if (at_leaf) return !node.is_object();
    if (!node.is_object()) return false;
    std::vector<Route> next;
    candidates(node.get_object(), rest, next);
    for (const auto& route : next) {
      if (present(*route.child, route.rest, route.at_leaf)) return true;
    }
    return false;
  }

  // Can every active condition be satisfied below `node`, consistently?
  bool satisfy(const json::value& node, const std::vector<Active>& actives) {
    if (actives.empty()) return true;
    if (!step()) return false;
    if (node.is_array()) {
      for (const auto& element : node.get_array()) {
        if (satisfy(element, actives)) return true;
      }
      return false;
    }
    if (!node.is_object()) {
      for (const auto& active : actives) {
        if (!active.at_leaf) return false;
        const auto& patterns = active.condition->patterns;
        if (std::none_of(patterns.begin(), patterns.end(),
                         [&](const Pattern& p) { return pattern_matches(p, node); })) {
          return false;
        }
      }
      return true;
    }
    const auto& object = node.get_object();
    std::vector<std::vector<Route>> routes(actives.size());
    for (std::size_t i = 0; i < actives.size(); ++i) {
      if (actives[i].at_leaf) return false;  // an object is not a value
      candidates(object, actives[i].rest, routes[i]);
      if (routes[i].empty()) return false;
    }
    std::vector<std::size_t> choice(actives.size(), 0);
    while (true) {
      if (!step()) return false;
      if (satisfy_routed(actives, routes, choice)) return true;
      std::size_t i = 0;
      while (i < choice.size() && ++choice[i] == routes[i].size()) choice[i++] = 0;
      if (i == choice.size()) return false;
    }
  }

  // With each condition sent down one child, conditions sharing a child are satisfied together.
  bool satisfy_routed(const std::vector<Active>& actives, const std::vector<std::vector<Route>>& routes,
                      const std::vector<std::size_t>& choice) {
    std::vector<bool> done(actives.size(), false);
    for (std::size_t i = 0; i < actives.size(); ++i) {
      if (done[i]) continue;
      const json::value* child = routes[i][choice[i]].child;
      std::vector<Active> group;
      for (std::size_t j = i; j < actives.size(); ++j) {
        const Route& route = routes[j][choice[j]];
        if (!done[j] && route.child == child) {
          group.push_back({actives[j].condition, route.rest, route.at_leaf});
          done[j] = true;
        }
      }
      if (!satisfy(*child, group)) return false;
    }
    return true;
  }
};

bool branch_matches(const Branch& branch, const json::value& event, Walk& walk) {
  std::vector<Active> actives;
  for (const auto& condition : branch.conditions) {
    if (condition.allows_absent && !walk.present(event, condition.path, false)) continue;
    if (condition.patterns.empty()) return false;  // only exists:false, and the path is present
    actives.push_back({&condition, condition.path, false});
  }
  return walk.satisfy(event, actives);
}

std::string_view type_family(std::string_view data_type) {
  auto dot = data_type.find('.');
  return dot == std::string_view::npos ? data_type : data_type.substr(0, dot);
}

}  // namespace

FilterMessage FilterMessage::from_attributes(const FilterAttributes& attributes) {
  FilterMessage message;
  json::object& event = message.event_.emplace_object();
  for (const auto& [name, attribute] : attributes) {
    const std::string& value = attribute.string_value;
    std::string_view family = type_family(attribute.data_type);
    json::string_view key(name.data(), name.size());
    if (family == "Binary") continue;
    // String.Array holds a JSON array. (The SNS guide's numeric example spells it Number.Array.)
    if (attribute.data_type == "String.Array" || attribute.data_type == "Number.Array") {
      boost::system::error_code ec;
      json::value parsed = json::parse(json::string_view(value.data(), value.size()), ec);
      if (!ec && parsed.is_array()) {
        event[key] = std::move(parsed);
        continue;
      }
    } else if (family == "Number") {
      double number = 0;
      const char* begin = value.data();
      const char* end = value.data() + value.size();
      if (begin != end && *begin == '+') ++begin;
      auto [parsed_end, ec] = std::from_chars(begin, end, number);
      if (begin != end && ec == std::errc{} && parsed_end == end && std::isfinite(number)) {
        event[key] = number;
        continue;
      }
    }
    event[key] = json::string_view(value.data(), value.size());
  }
  return message;
}

FilterMessage FilterMessage::from_body(std::string_view body) {
  FilterMessage message;
  json::parse_options options;
  options.max_depth = kMaxBodyDepth;
  boost::system::error_code ec;
  json::value parsed = json::parse(json::string_view(body.data(), body.size()), ec, {}, options);
  if (!ec && parsed.is_object()) message.event_ = std::move(parsed);
  return message;
}

bool FilterPolicy::matches(const FilterMessage& message) const {
  if (compiled_->match_all) return true;
  if (!message.valid()) return false;
  Walk walk;
  for (const auto& branch : compiled_->branches) {
    bool matched = branch_matches(branch, message.event_, walk);
    if (walk.exhausted) return false;
    if (matched) return true;
  }
  return false;
}

bool FilterPolicy::matches_attributes(const FilterAttributes& attributes) const {
  if (compiled_->match_all) return true;
  return matches(FilterMessage::from_attributes(attributes));
}

bool FilterPolicy::matches_body(std::string_view body) const {
  if (compiled_->match_all) return true;
  return matches(FilterMessage::from_body(body));
}

}  // namespace fanout::services::sns
