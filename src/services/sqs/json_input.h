// Typed reads of a decoded operation input (member names as in the SQS model). The protocol
// layer has checked required members and JSON types already; these helpers still refuse a wrong
// type with InvalidParameterValue so the engine never trusts its caller blindly.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fanout::services::sqs::input {

std::optional<std::string> opt_string(const boost::json::object& in, std::string_view name);
// Present and non-empty, else MissingParameter.
std::string req_string(const boost::json::object& in, std::string_view name);
std::optional<std::int64_t> opt_int(const boost::json::object& in, std::string_view name);
std::int64_t req_int(const boost::json::object& in, std::string_view name);
// A list of strings (absent = empty).
std::vector<std::string> string_list(const boost::json::object& in, std::string_view name);
// A map member (absent = null).
const boost::json::object* opt_object(const boost::json::object& in, std::string_view name);
const boost::json::array* opt_array(const boost::json::object& in, std::string_view name);

}  // namespace fanout::services::sqs::input
