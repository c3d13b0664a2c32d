#include "services/cloudformation/parameters.h"

#include <algorithm>
#include <cstdlib>
#include <regex>
#include <set>
#include <string_view>

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
  if (v == static_cast<double>(static_cast<long long>(v))) return std::to_string(static_cast<long long>(v));
  return std::to_string(v);
}

// libstdc++'s std::regex compiles `x{n}` into n copies of x, and reads n (and a backreference's
// number) into a long without an overflow check (UB, found by the cfn_template fuzzer), so a template's
// AllowedPattern with a huge repeat count could exhaust memory or misbehave. Counts above this bound are
// refused as an invalid pattern; AWS's own patterns and real templates stay far below it.
constexpr unsigned long kMaxRepeatCount = 10000;

// Reads the digits at `i` (advancing it); false when their value exceeds kMaxRepeatCount.
bool count_bounded(std::string_view pattern, std::size_t& i) {
  unsigned long count = 0;
  for (; i < pattern.size() && pattern[i] >= '0' && pattern[i] <= '9'; ++i) {
    count = count * 10 + static_cast<unsigned long>(pattern[i] - '0');
    if (count > kMaxRepeatCount) return false;
  }
  return true;
}

// False when a `{n}`, `{n,}` or `{n,m}` outside a character class, or a backreference `\N`, has
// a number above the bound.
bool repeat_counts_bounded(std::string_view pattern) {
  bool in_class = false;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '\\') {
      // An escaped character is literal, except digits: a backreference number, which libstdc++
      // reads as unchecked as a repeat count.
      std::size_t j = i + 1;
      if (!count_bounded(pattern, j)) return false;
      i = j > i + 1 ? j - 1 : i + 1;
    } else if (in_class) {
      in_class = c != ']';
    } else if (c == '[') {
      in_class = true;
    } else if (c == '{') {
      std::size_t j = i + 1;
      if (!count_bounded(pattern, j)) return false;
      if (j < pattern.size() && pattern[j] == ',' && !count_bounded(pattern, ++j)) return false;
    }
  }
  return true;
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
      try {
        if (!repeat_counts_bounded(*spec.allowed_pattern)) return prefix + "has an invalid AllowedPattern";
        if (!std::regex_match(item, std::regex(*spec.allowed_pattern, std::regex::ECMAScript))) {
          return failed("must match pattern " + *spec.allowed_pattern);
        }
      } catch (const std::regex_error&) {
        return prefix + "has an invalid AllowedPattern";
      }
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
