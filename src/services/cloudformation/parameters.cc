#include "services/cloudformation/parameters.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string_view>

#include "services/cloudformation/allowed_pattern.h"
#include "services/cloudformation/whole_number.h"

namespace fanout::services::cloudformation {
namespace json = boost::json;

namespace {

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> items;
  std::size_t start = 0;
  for (;;) {
    auto comma = text.find(',', start);
    auto item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    auto b = item.find_first_not_of(' ');
    auto e = item.find_last_not_of(' ');
    items.push_back(b == std::string::npos ? std::string() : item.substr(b, e - b + 1));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return items;
}

bool is_number(const std::string& text) {
  if (text.empty()) return false;
  char* end = nullptr;
  std::strtod(text.c_str(), &end);
  return end && *end == '\0';
}

std::string number_text(double v) {
  if (auto whole = exact_long_long(v)) return std::to_string(*whole);
  if (std::fabs(v) < kLongLongBound) return std::to_string(v);
  std::array<char, 32> text{};
  std::snprintf(text.data(), text.size(), "%.17g", v);
  return text.data();
}

std::optional<std::string> check(const ParameterSpec& spec, const std::string& value) {
  const std::string prefix = "Parameter '" + spec.name + "' ";
  auto failed = [&](const std::string& reason) -> std::string {
    if (spec.constraint_description)
      return prefix + "failed to satisfy constraint: " + *spec.constraint_description;
    return prefix + reason;
  };
  bool is_list = spec.type == "CommaDelimitedList" || spec.type.starts_with("List<");
  std::vector<std::string> items = is_list ? split_list(value) : std::vector<std::string>{value};
  for (const auto& item : items) {
    if (!spec.allowed_values.empty() && std::find(spec.allowed_values.begin(), spec.allowed_values.end(),
                                                  item) == spec.allowed_values.end()) {
      return failed("must be one of AllowedValues");
    }
    if (spec.allowed_pattern) {
      const auto result = match_allowed_pattern(*spec.allowed_pattern, item);
      if (result.error) {
        return prefix + "has an invalid AllowedPattern (" + *result.error +
               "; fanoutd matches patterns with RE2: no backreferences, lookaround or repeat counts above "
               "1000)";
      }
      if (!result.matches) return failed("must match pattern " + *spec.allowed_pattern);
    }
    if (spec.min_length && static_cast<long long>(item.size()) < *spec.min_length) {
      return failed("must contain at least " + std::to_string(*spec.min_length) + " characters");
    }
    if (spec.max_length && static_cast<long long>(item.size()) > *spec.max_length) {
      return failed("must contain at most " + std::to_string(*spec.max_length) + " characters");
    }
    if (spec.type == "Number" || spec.type == "List<Number>") {
      if (!is_number(item)) return prefix + "must be a number";
      double v = std::strtod(item.c_str(), nullptr);
      if (spec.min_value && v < *spec.min_value)
        return failed("must be a number not less than " + number_text(*spec.min_value));
      if (spec.max_value && v > *spec.max_value)
        return failed("must be a number not greater than " + number_text(*spec.max_value));
    }
  }
  return std::nullopt;
}

}  // namespace

std::variant<ParameterValues, std::string> resolve_parameters(const std::vector<ParameterSpec>& specs,
                                                              const std::vector<SuppliedParameter>& supplied,
                                                              const ParameterValues& previous) {
  std::set<std::string> known;
  for (const auto& s : specs) known.insert(s.name);
  std::string unknown;
  for (const auto& p : supplied) {
    if (!known.contains(p.key)) unknown += (unknown.empty() ? "" : ", ") + p.key;
  }
  if (!unknown.empty()) return "Parameters: [" + unknown + "] do not exist in the template";
  ParameterValues values;
  std::string missing;
  for (const auto& spec : specs) {
    std::optional<std::string> value;
    for (const auto& p : supplied) {
      if (p.key != spec.name) continue;
      if (p.use_previous) {
        auto it = previous.find(spec.name);
        if (it == previous.end())
          return "Invalid input for parameter key " + spec.name +
                 ". Cannot specify usePreviousValue as true for a parameter key not in the previous template";
        value = it->second;
      } else {
        value = p.value;
      }
    }
    if (!value) value = spec.default_value;
    if (!value) {
      missing += (missing.empty() ? "" : ", ") + spec.name;
      continue;
    }
    if (auto error = check(spec, *value)) return *error;
    values[spec.name] = *value;
  }
  if (!missing.empty()) return "Parameters: [" + missing + "] must have values";
  return values;
}

json::object parameter_scope(const std::vector<ParameterSpec>& specs, const ParameterValues& values) {
  json::object scope;
  for (const auto& spec : specs) {
    auto it = values.find(spec.name);
    if (it == values.end()) continue;
    if (spec.type == "CommaDelimitedList" || spec.type.starts_with("List<")) {
      json::array items;
      for (auto& item : split_list(it->second)) items.push_back(json::string(item));
      scope[spec.name] = std::move(items);
    } else {
      scope[spec.name] = json::string(it->second);
    }
  }
  return scope;
}

std::vector<SuppliedParameter> supplied_parameters(const json::object& input) {
  std::vector<SuppliedParameter> out;
  const auto* list = input.if_contains("Parameters");
  if (!list || !list->is_array()) return out;
  for (const auto& item : list->as_array()) {
    if (!item.is_object()) continue;
    const auto& p = item.as_object();
    SuppliedParameter s;
    if (const auto* k = p.if_contains("ParameterKey"); k && k->is_string())
      s.key = std::string(k->as_string());
    if (const auto* v = p.if_contains("ParameterValue"); v && v->is_string())
      s.value = std::string(v->as_string());
    if (const auto* u = p.if_contains("UsePreviousValue"); u && u->is_bool()) s.use_previous = u->as_bool();
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace fanout::services::cloudformation
