// Filter policy parsing and validation. The rule grammar, its checks and their order follow
// event-ruler's JsonRuleCompiler (which produces the texts AWS SNS answers with); the limits
// (5 keys, 150 combinations, MessageAttributes without nesting, 256 KiB) are SNS's own.
#include <boost/json/parse.hpp>
#include <charconv>
#include <cmath>

#include "common/ascii_text.h"
#include "services/sns/filter_policy_internal.h"

namespace fanout::services::sns {
namespace {

using namespace filter;
namespace json = boost::json;

constexpr std::size_t kMaxPolicyBytes = std::size_t{256} * 1024;
constexpr std::uint64_t kMaxCombinations = 150;
constexpr std::size_t kMaxKeys = 5;
// Expanding "$or" stops here; a policy with more branches has more than 150 combinations anyway.
constexpr std::size_t kMaxBranchesExpanded = 4096;
constexpr std::size_t kMaxPolicyDepth = 256;
constexpr const char* kRangeError = "Value must be between -1.0E9 and 1.0E9, inclusive";

// A validation failure; `reason` is the message without "Invalid parameter: ".
struct Failure {
  std::string reason;
};
[[noreturn]] void fail(std::string text) { throw Failure{"FilterPolicy: " + std::move(text)}; }

// Field names that stop an "$or" array from being read as an OR relationship.
bool reserved_keyword(std::string_view name) {
  for (std::string_view k : {"anything-but", "cidr", "equals-ignore-case", "exactly", "exists", "numeric",
                             "prefix", "suffix", "wildcard"}) {
    if (name == k) return true;
  }
  return false;
}

std::string_view view(json::string_view s) { return {s.data(), s.size()}; }
std::string_view view(const json::string& s) { return {s.data(), s.size()}; }

std::string format_double(double d) {
  char buffer[64];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, d);
  return ec == std::errc{} ? std::string(buffer, end) : std::string("NaN");
}

// What Jackson's getText() would show for the token that starts this value.
std::string token_text(const json::value& v) {
  switch (v.kind()) {
    case json::kind::string:
      return std::string(view(v.get_string()));
    case json::kind::int64:
      return std::to_string(v.get_int64());
    case json::kind::uint64:
      return std::to_string(v.get_uint64());
    case json::kind::double_:
      return format_double(v.get_double());
    case json::kind::bool_:
      return v.get_bool() ? "true" : "false";
    case json::kind::null:
      return "null";
    case json::kind::object:
      return "{";
    case json::kind::array:
      return "[";
  }
  return "";
}

double to_double(const json::value& v) {
  if (v.is_int64()) return static_cast<double>(v.get_int64());
  if (v.is_uint64()) return static_cast<double>(v.get_uint64());
  return v.get_double();
}

// A number an operator compares against: it must lie in AWS's numeric range.
std::int64_t comparable(double value) {
  auto n = make_number(value);
  if (!n.scaled) fail(kRangeError);
  return *n.scaled;
}

// One key of a policy object after nested objects are inlined: a leaf (path + values) or an
// "$or" relationship (alternatives, each a list of items).
struct Item {
  bool is_or = false;
  std::string path;
  std::string top_key;
  std::size_t depth = 0;        // keys in the path (1 = top level)
  std::size_t value_count = 0;  // values listed, as the combination count counts them
  std::vector<Pattern> patterns;
  bool allows_absent = false;
  std::vector<std::vector<Item>> alternatives;
};

class Compiler {
 public:
  std::size_t max_leaf_depth = 0;

  void object(const json::object& obj, const std::string& prefix, const std::string& top_key,
              std::size_t depth, std::vector<Item>& out) {
    if (obj.empty()) fail("Empty objects are not allowed");
    for (const auto& [key_raw, value] : obj) {
      std::string key(view(key_raw));
      if (key == "$or" && or_relationship(value)) {
        Item item;
        item.is_or = true;
        for (const auto& alternative : value.get_array()) {
          item.alternatives.emplace_back();
          object(alternative.get_object(), prefix, top_key, depth, item.alternatives.back());
        }
        out.push_back(std::move(item));
      } else if (value.is_object()) {
        object(value.get_object(), prefix + key + ".", top_key.empty() ? key : top_key, depth + 1, out);
      } else if (value.is_array()) {
        Item item;
        item.path = prefix + key;
        item.top_key = top_key.empty() ? key : top_key;
        item.depth = depth + 1;
        max_leaf_depth = std::max(max_leaf_depth, item.depth);
        values(value.get_array(), item);
        out.push_back(std::move(item));
      } else {
        fail("\"" + key + "\" must be an object or an array");
      }
    }
  }

 private:
  // AWS reads "$or" as an OR relationship only when it is followed by an array of at least two
  // objects none of which uses a reserved keyword as a field name; otherwise it is a plain key.
  static bool or_relationship(const json::value& value) {
    if (!value.is_array() || value.get_array().size() < 2) return false;
    for (const auto& element : value.get_array()) {
      if (!element.is_object()) return false;
      for (const auto& field : element.get_object()) {
        if (reserved_keyword(view(field.key()))) return false;
      }
    }
    return true;
  }

  static void values(const json::array& array, Item& item) {
    for (const auto& v : array) {
      switch (v.kind()) {
        case json::kind::object:
          match_expression(v.get_object(), item);
          break;
        case json::kind::string:
          item.patterns.push_back(pattern::ExactString{std::string(view(v.get_string()))});
          break;
        case json::kind::int64:
        case json::kind::uint64:
        case json::kind::double_:
          item.patterns.push_back(pattern::ExactNumber{make_number(to_double(v))});
          break;
        case json::kind::bool_:
          item.patterns.push_back(pattern::ExactBool{v.get_bool()});
          break;
        case json::kind::null:
          item.patterns.push_back(pattern::ExactNull{});
          break;
        case json::kind::array:
          fail("Match value must be String, number, true, false, or null");
      }
    }
    if (array.empty()) fail("Empty arrays are not allowed");
    item.value_count = array.size();
  }

  static std::string string_operand(const json::value& v, std::string_view name) {
    if (!v.is_string()) fail(std::string(name) + " match pattern must be a string");
    return std::string(view(v.get_string()));
  }

  static void only_one_key(const json::object& obj) {
    if (obj.size() != 1) fail("Only one key allowed in match expression");
  }

  static void match_expression(const json::object& obj, Item& item) {
    if (obj.empty()) fail("Match expression name not found");
    const auto& first = *obj.begin();
    std::string_view type = view(first.key());
    const json::value& operand = first.value();
    if (type == "prefix") {
      item.patterns.push_back(pattern::Prefix{string_operand(operand, "prefix")});
      only_one_key(obj);
    } else if (type == "suffix") {
      item.patterns.push_back(pattern::Suffix{string_operand(operand, "suffix")});
      only_one_key(obj);
    } else if (type == "equals-ignore-case") {
      item.patterns.push_back(
          pattern::EqualsIgnoreCase{ascii::lower(string_operand(operand, "equals-ignore-case"))});
      only_one_key(obj);
    } else if (type == "numeric") {
      if (!operand.is_array()) fail("Value of numeric must be an array.");
      item.patterns.push_back(numeric(operand.get_array()));
      if (obj.size() != 1) fail("Too many elements in numeric expression");
    } else if (type == "anything-but") {
      item.patterns.push_back(anything_but(operand));
      if (obj.size() != 1) fail("Too many elements in numeric expression");
    } else if (type == "exists") {
      if (!operand.is_bool()) fail("exists match pattern must be either true or false.");
      only_one_key(obj);
      if (operand.get_bool()) {
        item.patterns.push_back(pattern::Exists{});
      } else {
        item.allows_absent = true;
      }
    } else if (type == "cidr") {
      // event-ruler reports a non-string cidr with the prefix text; SNS answers the same.
      auto text = string_operand(operand, "prefix");
      std::string error;
      auto cidr = parse_cidr(text, error);
      if (!cidr) fail(error);
      only_one_key(obj);
      item.patterns.push_back(pattern::CidrMatch{*cidr});
    } else {
      fail("Unrecognized match type " + std::string(type));
    }
  }

  static Pattern numeric(const json::array& array) {
    std::size_t i = 0;
    auto next = [&]() -> const json::value* { return i < array.size() ? &array[i++] : nullptr; };
    const json::value* op_value = next();
    if (!op_value || !op_value->is_string()) {
      fail("Invalid member in numeric match: " + (op_value ? token_text(*op_value) : std::string("]")));
    }
    std::string op(view(op_value->get_string()));
    const json::value* operand = next();
    bool is_number = operand && operand->is_number();
    pattern::NumericRange range;
    if (op == "=") {
      if (!is_number) fail("Value of equals must be numeric");
      double value = to_double(*operand);
      if (next()) fail("Too many elements in numeric expression");
      range.low = range.high = comparable(value);
      return range;
    }
    if (op == ">=" || op == ">") {
      if (!is_number) fail("Value of " + op + " must be numeric");
      double bottom = to_double(*operand);
      const json::value* token = next();
      range.low = comparable(bottom);
      range.low_open = op == ">";
      if (!token) return range;
      if (!token->is_string()) fail("Bad value in numeric range: " + token_text(*token));
      std::string top_op(view(token->get_string()));
      if (top_op != "<" && top_op != "<=") fail("Bad numeric range operator: " + top_op);
      const json::value* top_value = next();
      if (!top_value || !top_value->is_number()) fail("Value of " + top_op + " must be numeric");
      double top = to_double(*top_value);
      if (next()) fail("Too many terms in numeric range expression");
      range.high = comparable(top);
      range.high_open = top_op == "<";
      if (!(bottom < top)) fail("Bottom must be less than top");
      return range;
    }
    if (op == "<=" || op == "<") {
      if (!is_number) fail("Value of " + op + " must be numeric");
      double top = to_double(*operand);
      if (next()) fail("Too many elements in numeric expression");
      range.high = comparable(top);
      range.high_open = op == "<";
      return range;
    }
    fail("Unrecognized numeric range operator: " + op);
  }

  static Pattern anything_but(const json::value& operand) {
    const json::value* values = &operand;
    bool ignore_case = false;
    if (operand.is_object()) {
      const auto& obj = operand.get_object();
      if (obj.empty()) fail("Anything-But expression name not found");
      const auto& first = *obj.begin();
      std::string_view op = view(first.key());
      if (op == "equals-ignore-case") {
        ignore_case = true;
        values = &first.value();
        if (obj.size() != 1) fail("Too many elements in numeric expression");
      } else if (op == "prefix" || op == "suffix") {
        auto text = string_operand(first.value(), op);
        if (text.empty()) fail("Null prefix/suffix not allowed");
        only_one_key(obj);
        if (op == "prefix") return pattern::AnythingButPrefix{std::move(text)};
        return pattern::AnythingButSuffix{std::move(text)};
      } else {
        fail("Unsupported anything-but pattern: " + std::string(op));
      }
    }
    if (!values->is_array() && !values->is_string() && !values->is_number()) {
      fail("Value of anything-but must be an array or single string/number value.");
    }
    if (ignore_case) {
      pattern::AnythingButIgnoreCase p;
      if (values->is_array()) {
        for (const auto& v : values->get_array()) {
          if (!v.is_string()) {
            fail(
                "Inside anything-but/equals-ignore-case list, numberic|start|null|boolean is not supported.");
          }
          p.folded.push_back(ascii::lower(view(v.get_string())));
        }
      } else if (values->is_string()) {
        p.folded.push_back(ascii::lower(view(values->get_string())));
      } else {
        fail("Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.");
      }
      return p;
    }
    pattern::AnythingButStrings strings;
    pattern::AnythingButNumbers numbers;
    auto add = [&](const json::value& v) {
      if (v.is_string()) {
        strings.values.emplace_back(view(v.get_string()));
      } else if (v.is_number()) {
        double d = to_double(v);
        comparable(d);
        numbers.values.push_back(make_number(d));
      } else {
        fail("Inside anything but list, start|null|boolean is not supported.");
      }
    };
    if (values->is_array()) {
      for (const auto& v : values->get_array()) add(v);
      bool has_strings = !strings.values.empty(), has_numbers = !numbers.values.empty();
      if (has_strings == has_numbers) {
        fail("Inside anything but list, either all values are number or string, mixed type is not supported");
      }
    } else {
      add(*values);
    }
    if (!numbers.values.empty()) return numbers;
    return strings;
  }
};

std::uint64_t saturating_multiply(std::uint64_t a, std::uint64_t b) {
  constexpr std::uint64_t kCap = std::uint64_t{1} << 40;
  if (a == 0 || b == 0) return 0;
  if (a > kCap / b) return kCap;
  return a * b;
}

// AWS's combination count: the product, over the keys of an AND, of (values x nesting depth),
// where an "$or" contributes the sum of its alternatives.
std::uint64_t combinations(const std::vector<Item>& items) {
  std::uint64_t total = 1;
  for (const auto& item : items) {
    std::uint64_t factor = 0;
    if (item.is_or) {
      for (const auto& alternative : item.alternatives)
        factor = std::min(factor + combinations(alternative), std::uint64_t{1} << 40);
    } else {
      factor = saturating_multiply(item.value_count, item.depth);
    }
    total = saturating_multiply(total, factor);
  }
  return total;
}

struct TooManyBranches {};

// Expands "$or" into branches the way event-ruler does: every alternative gets a copy of the
// branches so far; a later key with the same path replaces the earlier one in a branch.
void expand(const std::vector<Item>& items, std::vector<Branch>& branches) {
  for (const auto& item : items) {
    if (item.is_or) {
      std::vector<Branch> current = std::move(branches);
      branches.clear();
      for (const auto& alternative : item.alternatives) {
        std::vector<Branch> copy = current;
        expand(alternative, copy);
        for (auto& b : copy) branches.push_back(std::move(b));
        if (branches.size() > kMaxBranchesExpanded) throw TooManyBranches{};
      }
      continue;
    }
    Condition condition{item.path, item.top_key, item.patterns, item.allows_absent};
    for (auto& branch : branches) {
      auto it = std::find_if(branch.conditions.begin(), branch.conditions.end(),
                             [&](const Condition& c) { return c.path == condition.path; });
      if (it != branch.conditions.end()) {
        *it = condition;
      } else {
        branch.conditions.push_back(condition);
      }
    }
  }
}

std::size_t key_count(const Branch& branch) {
  std::vector<std::string_view> keys;
  for (const auto& c : branch.conditions) {
    if (std::find(keys.begin(), keys.end(), c.top_key) == keys.end()) keys.push_back(c.top_key);
  }
  return keys.size();
}

FilterPolicyError make_error(std::string reason) {
  return FilterPolicyError{"Invalid parameter: " + reason,
                           std::move(reason)};  // braced: `reason` is read before it is moved
}

}  // namespace

std::optional<FilterPolicy::Scope> FilterPolicy::parse_scope(std::string_view name) {
  if (name == "MessageAttributes") return Scope::MessageAttributes;
  if (name == "MessageBody") return Scope::MessageBody;
  return std::nullopt;
}

std::string_view FilterPolicy::scope_name(Scope scope) {
  return scope == Scope::MessageBody ? "MessageBody" : "MessageAttributes";
}

FilterPolicy::Scope FilterPolicy::scope() const { return compiled_->scope; }

std::variant<FilterPolicy, FilterPolicyError> FilterPolicy::parse(std::string_view text, Scope scope) {
  if (text.size() > kMaxPolicyBytes) return make_error("FilterPolicy: Filter policy is too long");
  json::parse_options options;
  options.max_depth = kMaxPolicyDepth;
  boost::system::error_code ec;
  json::value document = json::parse(json::string_view(text.data(), text.size()), ec, {}, options);
  if (ec) return make_error("FilterPolicy: failed to parse JSON.");
  if (!document.is_object()) return make_error("FilterPolicy: Filter is not an object");

  auto compiled = std::make_shared<Compiled>();
  compiled->scope = scope;
  if (document.get_object().empty()) {
    compiled->match_all = true;
    return FilterPolicy(std::move(compiled));
  }
  try {
    Compiler compiler;
    std::vector<Item> items;
    compiler.object(document.get_object(), "", "", 0, items);
    if (scope == Scope::MessageAttributes && compiler.max_leaf_depth > 1) {
      return make_error("Filter policy scope MessageAttributes does not support nested filter policy");
    }
    std::uint64_t combos = combinations(items);
    std::vector<Branch> branches(1);
    bool expanded = true;
    try {
      expand(items, branches);
    } catch (const TooManyBranches&) {
      expanded = false;
    }
    if (expanded) {
      for (const auto& branch : branches) {
        if (key_count(branch) > kMaxKeys)
          return make_error("FilterPolicy: Filter policy can not have more than 5 keys");
      }
    }
    if (!expanded || combos > kMaxCombinations)
      return make_error("FilterPolicy: Filter policy is too complex");
    compiled->branches = std::move(branches);
  } catch (const Failure& failure) {
    return make_error(failure.reason);
  }
  return FilterPolicy(std::move(compiled));
}

}  // namespace fanout::services::sns
