// Reading an operation's input object (member names as in the SNS model). The protocol layer
// has checked required members and types already; these only spare the engine the casts.
#pragma once

#include <boost/json/object.hpp>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "services/sns/topic.h"

namespace fanout::services::sns::input {

std::optional<std::string> opt_string(const boost::json::object& input, std::string_view name);
// Throws InvalidParameter ("<name>") when absent.
std::string require_string(const boost::json::object& input, std::string_view name);
bool opt_bool(const boost::json::object& input, std::string_view name, bool fallback);
// A map member ({"k": "v"}), in input order; empty when absent.
std::vector<std::pair<std::string, std::string>> string_map(const boost::json::object& input,
                                                            std::string_view name);
std::vector<std::string> string_list(const boost::json::object& input, std::string_view name);
// [{"Key":..,"Value":..}]
Tags tag_list(const boost::json::object& input, std::string_view name);
const boost::json::object* opt_object(const boost::json::object& input, std::string_view name);

}  // namespace fanout::services::sns::input
