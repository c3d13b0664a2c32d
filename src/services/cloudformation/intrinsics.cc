#include "services/cloudformation/intrinsics.h"

#include <boost/json/serialize.hpp>
#include <cstdio>

#include "common/crypto.h"

namespace fanout::services::cloudformation {
namespace json = boost::json;

namespace {

const json::array& as_array(const json::value& value, const std::string& function) {
  if (!value.is_array())
    throw EvaluationError("Template error: every " + function + " object requires a list argument");
  return value.as_array();
}

std::string as_text(const json::value& value, const std::string& function) {
  if (value.is_object() || value.is_array() || value.is_null()) {
    throw EvaluationError("Template error: " + function + " requires string arguments");
  }
  return scalar_text(value);
}

}  // namespace

std::string scalar_text(const json::value& value) {
  if (value.is_string()) return std::string(value.as_string());
  if (value.is_bool()) return value.as_bool() ? "true" : "false";
  if (value.is_int64()) return std::to_string(value.as_int64());
  if (value.is_uint64()) return std::to_string(value.as_uint64());
  if (value.is_double()) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.15g", value.as_double());
    std::string text = buf;
    if (text.find_first_of(".e") == std::string::npos) text += ".0";
    return text;
  }
  if (value.is_null()) return "";
  return json::serialize(value);
}

std::optional<json::value> Evaluator::resolve(const json::value& value) const {
  if (value.is_array()) {
    json::array out;
    for (const auto& item : value.as_array()) {
      if (auto resolved = resolve(item)) out.push_back(std::move(*resolved));
    }
    return json::value(std::move(out));
  }
  if (!value.is_object()) return value;
  const auto& object = value.as_object();
  if (object.size() == 1) {
    const auto& [key, argument] = *object.begin();
    std::string name(key);
    if (name == "Ref") {
      if (argument.is_string() && argument.as_string() == "AWS::NoValue") return std::nullopt;
      return ref(as_text(argument, "Ref"));
    }
    if (name.starts_with("Fn::") || name == "Condition") {
      if (name == "Fn::If") {
        const auto& args = as_array(argument, "Fn::If");
        if (args.size() != 3 || !args[0].is_string()) {
          throw EvaluationError("Template error: Fn::If requires a list argument with three elements");
        }
        bool truth = condition(json::object{{"Condition", args[0]}});
        return resolve(args[truth ? 1 : 2]);
      }
      if (name == "Condition") return json::value(condition(value));
      return call(name, argument);
    }
  }
  json::object out;
  for (const auto& [key, member] : object) {
    if (auto resolved = resolve(member)) out[key] = std::move(*resolved);
  }
  return json::value(std::move(out));
}

json::value Evaluator::required(const json::value& value, const std::string& function) const {
  auto resolved = resolve(value);
  if (!resolved) throw EvaluationError("Template error: " + function + " does not accept AWS::NoValue here");
  return std::move(*resolved);
}

json::value Evaluator::ref(const std::string& name) const {
  const auto& p = scope_.pseudo;
  if (name == "AWS::AccountId") return json::string(p.account_id);
  if (name == "AWS::Region") return json::string(p.region);
  if (name == "AWS::StackName") return json::string(p.stack_name);
  if (name == "AWS::StackId") return json::string(p.stack_id);
  if (name == "AWS::Partition") return json::string(p.partition);
  if (name == "AWS::URLSuffix") return json::string(p.url_suffix);
  if (name == "AWS::NotificationARNs") {
    json::array arns;
    for (const auto& arn : p.notification_arns) arns.push_back(json::string(arn));
    return arns;
  }
  if (scope_.parameters) {
    if (const auto* v = scope_.parameters->if_contains(name)) return *v;
  }
  if (scope_.ref_resource) {
    if (auto v = scope_.ref_resource(name)) return std::move(*v);
  }
  throw EvaluationError("Template format error: Unresolved resource dependencies [" + name +
                        "] in the Resources block of the template");
}

std::string Evaluator::substitute(const std::string& text, const json::object& variables) const {
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] == '$' && i + 1 < text.size() && text[i + 1] == '{') {
      auto close = text.find('}', i + 2);
      if (close == std::string::npos) {
        out.append(text, i, std::string::npos);
        break;
      }
      std::string name = text.substr(i + 2, close - i - 2);
      i = close + 1;
      if (!name.empty() && name[0] == '!') {
        out += "${" + name.substr(1) + "}";  // ${!Literal}
        continue;
      }
      auto trim = [](const std::string& s) {
        auto b = s.find_first_not_of(' ');
        auto e = s.find_last_not_of(' ');
        return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
      };
      name = trim(name);
      if (const auto* v = variables.if_contains(name)) {
        out += scalar_text(required(*v, "Fn::Sub"));
        continue;
      }
      auto dot = name.find('.');
      if (dot != std::string::npos && !name.starts_with("AWS::")) {
        auto value = call("Fn::GetAtt",
                          json::array{json::string(name.substr(0, dot)), json::string(name.substr(dot + 1))});
        out += scalar_text(value);
      } else {
        auto value = ref(name);
        if (value.is_array())
          throw EvaluationError("Template error: variable " + name + " in Fn::Sub expression is a list");
        out += scalar_text(value);
      }
      continue;
    }
    out += text[i++];
  }
  return out;
}

json::value Evaluator::call(const std::string& function, const json::value& argument) const {
  if (function == "Fn::GetAtt") {
    json::value arg = argument;
    if (arg.is_string()) {
      std::string text(arg.as_string());
      auto dot = text.find('.');
      if (dot == std::string::npos)
        throw EvaluationError("Template error: every Fn::GetAtt object requires two non-empty parameters");
      arg = json::array{json::string(text.substr(0, dot)), json::string(text.substr(dot + 1))};
    }
    const auto& args = as_array(arg, function);
    if (args.size() != 2 || !args[0].is_string()) {
      throw EvaluationError("Template error: every Fn::GetAtt object requires two non-empty parameters");
    }
    std::string logical(args[0].as_string());
    std::string attribute = as_text(required(args[1], function), function);
    if (scope_.get_att) {
      if (auto v = scope_.get_att(logical, attribute)) return std::move(*v);
    }
    throw EvaluationError("Template error: instance of Fn::GetAtt references undefined resource " + logical);
  }
  if (function == "Fn::Sub") {
    if (argument.is_string()) return json::string(substitute(std::string(argument.as_string()), {}));
    const auto& args = as_array(argument, function);
    if (args.size() != 2 || !args[0].is_string() || !args[1].is_object()) {
      throw EvaluationError(
          "Template error: One or more Fn::Sub intrinsic functions don't specify expected arguments. "
          "Specify a string as first argument, and an optional second argument to specify a mapping "
          "of values to replace in the string");
    }
    return json::string(substitute(std::string(args[0].as_string()), args[1].as_object()));
  }
  if (function == "Fn::Join") {
    const auto& args = as_array(argument, function);
    if (args.size() != 2)
      throw EvaluationError(
          "Template error: every Fn::Join object requires two parameters, (1) a string delimiter and (2) a "
          "list of strings to be joined or a function that returns a list of strings (such as Fn::GetAZs) to "
          "be joined.");
    std::string delimiter = as_text(args[0], function);
    auto items = required(args[1], function);
    if (!items.is_array())
      throw EvaluationError(
          "Template error: every Fn::Join object requires two parameters, (1) a string delimiter and (2) a "
          "list of strings to be joined or a function that returns a list of strings (such as Fn::GetAZs) to "
          "be joined.");
    std::string out;
    bool first = true;
    for (const auto& item : items.as_array()) {
      if (!first) out += delimiter;
      first = false;
      out += as_text(item, function);
    }
    return json::string(out);
  }
  if (function == "Fn::Select") {
    const auto& args = as_array(argument, function);
    if (args.size() != 2)
      throw EvaluationError(
          "Template error: Fn::Select requires a list argument with two elements: an integer index and a "
          "list");
    auto index_value = required(args[0], function);
    std::string index_text = as_text(index_value, function);
    char* end = nullptr;
    long index = std::strtol(index_text.c_str(), &end, 10);
    if (index_text.empty() || *end != '\0')
      throw EvaluationError(
          "Template error: Fn::Select requires a list argument with two elements: an integer index and a "
          "list");
    auto list = required(args[1], function);
    if (!list.is_array())
      throw EvaluationError(
          "Template error: Fn::Select requires a list argument with two elements: an integer index and a "
          "list");
    if (index < 0 || static_cast<std::size_t>(index) >= list.as_array().size()) {
      throw EvaluationError("Template error: Fn::Select cannot select nonexistent value at index " +
                            index_text);
    }
    return list.as_array()[static_cast<std::size_t>(index)];
  }
  if (function == "Fn::Split") {
    const auto& args = as_array(argument, function);
    if (args.size() != 2)
      throw EvaluationError(
          "Template error: every Fn::Split object requires two parameters, (1) a string delimiter and (2) a "
          "string to be split or a function that returns a string to be split.");
    std::string delimiter = as_text(args[0], function);
    std::string source = as_text(required(args[1], function), function);
    if (delimiter.empty()) throw EvaluationError("Template error: Fn::Split requires a non-empty delimiter");
    json::array parts;
    std::size_t start = 0;
    for (;;) {
      auto at = source.find(delimiter, start);
      parts.push_back(
          json::string(source.substr(start, at == std::string::npos ? std::string::npos : at - start)));
      if (at == std::string::npos) break;
      start = at + delimiter.size();
    }
    return parts;
  }
  if (function == "Fn::FindInMap") {
    const auto& args = as_array(argument, function);
    if (args.size() != 3)
      throw EvaluationError(
          "Template error: every Fn::FindInMap object requires three parameters, the map name, map key and "
          "the attribute for return value");
    std::string map_name = as_text(required(args[0], function), function);
    std::string top = as_text(required(args[1], function), function);
    std::string second = as_text(required(args[2], function), function);
    const json::value* map = scope_.mappings ? scope_.mappings->if_contains(map_name) : nullptr;
    if (!map || !map->is_object())
      throw EvaluationError("Template error: Unable to get mapping for " + map_name + "::" + top +
                            "::" + second);
    const auto* level = map->as_object().if_contains(top);
    const auto* leaf = level && level->is_object() ? level->as_object().if_contains(second) : nullptr;
    if (!leaf)
      throw EvaluationError("Template error: Unable to get mapping for " + map_name + "::" + top +
                            "::" + second);
    return *leaf;
  }
  if (function == "Fn::GetAZs") {
    std::string region = as_text(required(argument, function), function);
    if (region.empty()) region = scope_.pseudo.region;
    json::array zones;
    for (const char* suffix : {"a", "b", "c"}) zones.push_back(json::string(region + suffix));
    return zones;
  }
  if (function == "Fn::ImportValue") {
    std::string name = as_text(required(argument, function), function);
    if (scope_.import_value) {
      if (auto v = scope_.import_value(name)) return json::string(*v);
    }
    throw EvaluationError("No export named " + name + " found.");
  }
  if (function == "Fn::Base64") {
    return json::string(crypto::base64_encode(as_text(required(argument, function), function)));
  }
  if (function == "Fn::Equals" || function == "Fn::And" || function == "Fn::Or" || function == "Fn::Not") {
    return json::value(condition(json::object{{function, argument}}));
  }
  if (function == "Fn::Cidr") {
    const auto& args = as_array(argument, function);
    if (args.size() != 3) throw EvaluationError("Template error: Fn::Cidr requires three parameters");
    std::string block = as_text(required(args[0], function), function);
    long count = std::strtol(as_text(required(args[1], function), function).c_str(), nullptr, 10);
    long bits = std::strtol(as_text(required(args[2], function), function).c_str(), nullptr, 10);
    unsigned a, b, c, d, prefix;
    if (std::sscanf(block.c_str(), "%u.%u.%u.%u/%u", &a, &b, &c, &d, &prefix) != 5 || prefix > 32 ||
        bits < 1 || bits > 32 - static_cast<long>(prefix) || count < 1 || count > 256) {
      throw EvaluationError("Template error: Fn::Cidr has an invalid argument");
    }
    std::uint32_t base = (a << 24) | (b << 16) | (c << 8) | d;
    int new_prefix = 32 - static_cast<int>(bits);
    json::array blocks;
    for (long i = 0; i < count; ++i) {
      std::uint64_t start = base + (static_cast<std::uint64_t>(i) << bits);
      if (start > 0xffffffffull) break;
      auto s = static_cast<std::uint32_t>(start);
      blocks.push_back(json::string(std::to_string(s >> 24) + "." + std::to_string((s >> 16) & 255) + "." +
                                    std::to_string((s >> 8) & 255) + "." + std::to_string(s & 255) + "/" +
                                    std::to_string(new_prefix)));
    }
    return blocks;
  }
  throw EvaluationError("Template format error: Unrecognized function '" + function + "'");
}

bool Evaluator::condition(const json::value& expression) const {
  if (expression.is_bool()) return expression.as_bool();
  if (expression.is_string()) {
    const auto& text = expression.as_string();
    if (text == "true") return true;
    if (text == "false") return false;
  }
  if (!expression.is_object() || expression.as_object().size() != 1) {
    throw EvaluationError(
        "Template format error: Conditions can only be boolean operations on parameters and other "
        "conditions");
  }
  const auto& [key, argument] = *expression.as_object().begin();
  std::string name(key);
  if (name == "Condition") {
    std::string condition_name = as_text(argument, name);
    if (!scope_.conditions || !scope_.conditions->contains(condition_name)) {
      throw EvaluationError("Template format error: Unresolved condition dependency " + condition_name +
                            " in Fn::If");
    }
    return scope_.conditions->at(condition_name);
  }
  if (name == "Fn::Equals") {
    const auto& args = as_array(argument, name);
    if (args.size() != 2)
      throw EvaluationError(
          "Template error: every Fn::Equals object requires a list of 2 string parameters.");
    auto left = required(args[0], name);
    auto right = required(args[1], name);
    if (left.is_array() || right.is_array()) return left == right;
    return scalar_text(left) == scalar_text(right);
  }
  if (name == "Fn::Not") {
    const auto& args = as_array(argument, name);
    if (args.size() != 1)
      throw EvaluationError("Template error: every Fn::Not object requires one boolean parameter");
    return !condition(args[0]);
  }
  if (name == "Fn::And" || name == "Fn::Or") {
    const auto& args = as_array(argument, name);
    if (args.size() < 2 || args.size() > 10) {
      throw EvaluationError("Template error: every " + name +
                            " object requires a list of at least 2 and at most 10 boolean parameters.");
    }
    bool any = false, all = true;
    for (const auto& item : args) {
      bool v = condition(item);
      any = any || v;
      all = all && v;
    }
    return name == "Fn::And" ? all : any;
  }
  if (name == "Fn::If" || name == "Ref" || name == "Fn::FindInMap") {
    auto v = resolve(expression);
    if (v && v->is_bool()) return v->as_bool();
    if (v && v->is_string() && (v->as_string() == "true" || v->as_string() == "false"))
      return v->as_string() == "true";
  }
  throw EvaluationError(
      "Template format error: Conditions can only be boolean operations on parameters and other conditions");
}

std::map<std::string, bool> evaluate_conditions(const json::object& conditions,
                                                const EvaluationScope& scope) {
  std::map<std::string, bool> values;
  EvaluationScope local = scope;
  local.conditions = &values;
  local.ref_resource = nullptr;
  local.get_att = nullptr;
  // Conditions may reference each other in any order: resolve until no progress.
  std::map<std::string, std::string> pending_errors;
  for (std::size_t round = 0; round <= conditions.size(); ++round) {
    bool progress = false;
    pending_errors.clear();
    for (const auto& [name, expression] : conditions) {
      std::string key(name);
      if (values.contains(key)) continue;
      try {
        bool v = Evaluator(local).condition(expression);
        values[key] = v;
        progress = true;
      } catch (const EvaluationError& e) {
        pending_errors[key] = e.what();
      }
    }
    if (pending_errors.empty()) return values;
    if (!progress) break;
  }
  // Every round that did not return left an error behind (at least one condition failed).
  throw EvaluationError(pending_errors.empty() ? "Template error: conditions could not be resolved"
                                               : pending_errors.begin()->second);
}

}  // namespace fanout::services::cloudformation
