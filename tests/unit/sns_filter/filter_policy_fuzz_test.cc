// Fuzz-style tests of the filter engine: mutated and random policies and messages never crash
// (run under ASan/UBSan too) and are answered consistently, and the matcher agrees with a
// brute-force model of event-ruler's semantics (flattened fields + array consistency).
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "services/sns/filter_policy.h"

namespace fanout::services::sns {
namespace {

namespace json = boost::json;
using Scope = FilterPolicy::Scope;

const std::vector<std::string> kSeedPolicies = {
    R"({"store":["example_corp"],"event":[{"anything-but":"order_cancelled"}],"customer_interests":["rugby","football","baseball"],"price_usd":[{"numeric":[">=",100]}]})",
    R"({"customer_interests":[{"anything-but":["rugby","tennis"]}]})",
    R"({"event":[{"anything-but":{"prefix":"order-"}}],"x":[{"anything-but":{"suffix":"-z"}}]})",
    R"({"a":[{"equals-ignore-case":"tennis"},{"prefix":"bas"},{"suffix":"ball"}]})",
    R"({"source_ip":[{"cidr":"10.0.0.0/24"},{"cidr":"2001:db8::/32"}]})",
    R"({"price":[{"numeric":[">",0,"<=",150]},{"numeric":["=",301.5]},{"anything-but":[100,500]}]})",
    R"({"store":[{"exists":false}],"n":[null,true,false,1.5e2]})",
    R"({"source":["aws.cloudwatch"],"$or":[{"metricName":["CPUUtilization"]},{"metricType":["MetricType"],"$or":[{"metricId":[1234,4321]},{"spaceId":[1000]}]}]})",
    R"({"Records":{"s3":{"object":{"key":[{"prefix":"auto-"}]}},"eventName":[{"prefix":"ObjectCreated:"}]}})",
    R"({"object.nested":["string.value"],"a":{"b.c":[{"exists":true}]}})",
    R"({"state":[{"anything-but":{"equals-ignore-case":["initializing","stopped"]}}]})",
    R"({})",
};

const std::vector<std::string> kSeedBodies = {
    R"({"customer_interests":["soccer","rugby","hockey"],"store":"example_corp","event":"order_placed","price_usd":210.75})",
    R"({"Records":[{"eventName":"ObjectCreated:Put","s3":{"object":[[{"key":"auto-x","size":17}]]}},{"eventName":"x"}]})",
    R"({"object":{"nested":"string.value"},"object.nested":"string.value","a":{"b":{"c":null}},"a.b":{"c":[1,2]}})",
    R"({"source":"aws.cloudwatch","metricType":"MetricType","spaceId":1000,"source_ip":"10.0.0.7"})",
    R"({"price":[100,50,301.5,-1e3],"n":[null,true,false,150],"state":"Stopped"})",
    R"([1,2,3])",
    R"("text")",
    "not json",
};

std::string mutate(std::string s, std::mt19937& rng) {
  static const std::string kAlphabet = "{}[]\",:0123456789.-+eE tfnul$\\abcxyz/";
  int rounds = 1 + static_cast<int>(rng() % 4);
  for (int r = 0; r < rounds; ++r) {
    std::size_t pos = s.empty() ? 0 : rng() % (s.size() + 1);
    char c = (rng() % 8 == 0) ? static_cast<char>(rng() % 256) : kAlphabet[rng() % kAlphabet.size()];
    switch (rng() % 6) {
      case 0:
        if (pos < s.size()) s[pos] = c;
        break;
      case 1:
        s.insert(s.begin() + static_cast<std::ptrdiff_t>(pos), c);
        break;
      case 2:
        if (pos < s.size()) s.erase(pos, 1 + rng() % 3);
        break;
      case 3: {  // duplicate a slice
        if (s.empty()) break;
        std::size_t from = rng() % s.size();
        std::size_t len = std::min<std::size_t>(1 + rng() % 24, s.size() - from);
        s.insert(pos, s.substr(from, len));
        break;
      }
      case 4:
        s.resize(pos);
        break;
      default: {  // swap two bytes
        if (s.size() < 2) break;
        std::swap(s[rng() % s.size()], s[rng() % s.size()]);
      }
    }
  }
  return s;
}

FilterAttributes random_attributes(std::mt19937& rng) {
  static const std::vector<std::string> kNames = {
      "store", "event", "price", "a", "a.b", "n", "customer_interests", "source_ip"};
  static const std::vector<std::string> kTypes = {"String",       "String.Array", "Number",       "Binary",
                                                  "Number.Array", "String.x",     "Number.float", "Weird"};
  static const std::vector<std::string> kValues = {"example_corp",
                                                   "order-cancelled",
                                                   "[\"rugby\",\"x\"]",
                                                   "[100,50]",
                                                   "301.5",
                                                   "3.015e2",
                                                   "10.0.0.9",
                                                   "2001:db8::1",
                                                   "",
                                                   "[",
                                                   "1e999",
                                                   "[{\"a\":1},[null]]",
                                                   "-0",
                                                   "nan",
                                                   "+5"};
  FilterAttributes attributes;
  int count = static_cast<int>(rng() % 5);
  for (int i = 0; i < count; ++i) {
    attributes[kNames[rng() % kNames.size()]] =
        FilterAttribute{kTypes[rng() % kTypes.size()], kValues[rng() % kValues.size()]};
  }
  return attributes;
}

TEST(FilterPolicyFuzz, MutatedPoliciesAndMessagesNeverCrash) {
  std::mt19937 rng(20240514);
  std::vector<FilterPolicy> accepted;
  std::size_t rejected = 0;
  for (int i = 0; i < 6000; ++i) {
    std::string text = mutate(kSeedPolicies[rng() % kSeedPolicies.size()], rng);
    for (Scope scope : {Scope::MessageAttributes, Scope::MessageBody}) {
      auto parsed = FilterPolicy::parse(text, scope);
      if (auto* error = std::get_if<FilterPolicyError>(&parsed)) {
        ++rejected;
        ASSERT_FALSE(error->reason.empty()) << text;
        ASSERT_EQ(error->message, "Invalid parameter: " + error->reason) << text;
        continue;
      }
      auto& policy = std::get<FilterPolicy>(parsed);
      for (int j = 0; j < 4; ++j) {
        std::string body = mutate(kSeedBodies[rng() % kSeedBodies.size()], rng);
        bool first = policy.matches_body(body);
        ASSERT_EQ(first, policy.matches(FilterMessage::from_body(body))) << text << "\n" << body;
        auto attributes = random_attributes(rng);
        bool a = policy.matches_attributes(attributes);
        ASSERT_EQ(a, policy.matches(FilterMessage::from_attributes(attributes))) << text;
      }
      if (accepted.size() < 200) accepted.push_back(policy);
    }
  }
  EXPECT_GT(rejected, 1000u);
  EXPECT_GT(accepted.size(), 100u);
  // Accepted policies against random bytes.
  for (int i = 0; i < 2000; ++i) {
    std::string bytes(rng() % 64, '\0');
    for (auto& c : bytes) c = static_cast<char>(rng() % 256);
    for (const auto& policy : accepted) (void)policy.matches_body(bytes);
  }
}

// ---- Differential test against a brute-force model -------------------------------------------

struct Field {
  std::string path;
  const json::value* value;
  std::vector<std::pair<int, std::size_t>> membership;  // (array id, index) for every enclosing array
};

void flatten(const json::value& v, const std::string& path,
             std::vector<std::pair<int, std::size_t>>& membership, int& next_array, std::vector<Field>& out) {
  if (v.is_object()) {
    for (const auto& [k, child] : v.get_object()) {
      std::string key(k.data(), k.size());
      flatten(child, path.empty() ? key : std::string(path).append(".").append(key), membership, next_array,
              out);
    }
  } else if (v.is_array()) {
    int id = next_array++;
    const auto& array = v.get_array();
    for (std::size_t i = 0; i < array.size(); ++i) {
      membership.emplace_back(id, i);
      flatten(array[i], path, membership, next_array, out);
      membership.pop_back();
    }
  } else {
    out.push_back({path, &v, membership});
  }
}

bool compatible(const Field& a, const Field& b) {
  for (const auto& [id, index] : a.membership) {
    for (const auto& [other_id, other_index] : b.membership) {
      if (id == other_id && index != other_index) return false;
    }
  }
  return true;
}

struct ModelCondition {
  std::vector<std::string> segments;
  std::vector<json::value> values;  // strings / integers
  bool exists_true = false;
  bool exists_false = false;
  std::string path() const {
    std::string p;
    for (std::size_t i = 0; i < segments.size(); ++i) p += (i ? "." : "") + segments[i];
    return p;
  }
};

bool value_matches(const ModelCondition& c, const json::value& v) {
  if (c.exists_true) return true;
  for (const auto& want : c.values) {
    if (want.is_string() && v.is_string() && want.get_string() == v.get_string()) return true;
    if (want.is_int64() && v.is_number() && v.to_number<double>() == static_cast<double>(want.get_int64()))
      return true;
  }
  return false;
}

bool model_assign(const std::vector<const ModelCondition*>& conditions, std::size_t i,
                  const std::vector<Field>& fields, std::vector<const Field*>& chosen) {
  if (i == conditions.size()) return true;
  std::string path = conditions[i]->path();
  for (const auto& f : fields) {
    if (f.path != path || !value_matches(*conditions[i], *f.value)) continue;
    bool ok = true;
    for (const Field* other : chosen) ok = ok && compatible(f, *other);
    if (!ok) continue;
    chosen.push_back(&f);
    if (model_assign(conditions, i + 1, fields, chosen)) return true;
    chosen.pop_back();
  }
  return false;
}

bool model_matches(const std::vector<ModelCondition>& conditions, const json::value& body) {
  if (!body.is_object()) return false;
  std::vector<Field> fields;
  std::vector<std::pair<int, std::size_t>> membership;
  int next_array = 0;
  flatten(body, "", membership, next_array, fields);
  std::vector<const ModelCondition*> positive;
  for (const auto& c : conditions) {
    std::string path = c.path();
    bool present = std::any_of(fields.begin(), fields.end(), [&](const Field& f) { return f.path == path; });
    if (!present) {
      if (c.exists_false) continue;
      return false;
    }
    if (c.values.empty() && !c.exists_true) return false;
    positive.push_back(&c);
  }
  std::vector<const Field*> chosen;
  return model_assign(positive, 0, fields, chosen);
}

json::value random_value(std::mt19937& rng, int depth) {
  static const std::vector<std::string> kKeys = {"a", "b", "c", "a.b", "b.c"};
  static const std::vector<std::string> kStrings = {"x", "y", "z"};
  int kind = static_cast<int>(rng() % (depth > 0 ? 9 : 4));
  switch (kind) {
    case 0:
      return json::value(kStrings[rng() % kStrings.size()]);
    case 1:
      return json::value(static_cast<std::int64_t>(1 + rng() % 3));
    case 2:
      return rng() % 2 ? json::value(nullptr) : json::value(rng() % 2 == 0);
    case 3:
      return json::value(kStrings[rng() % kStrings.size()]);
    case 4:
    case 5: {
      json::object o;
      int n = static_cast<int>(rng() % 4);
      for (int i = 0; i < n; ++i) o[kKeys[rng() % kKeys.size()]] = random_value(rng, depth - 1);
      return o;
    }
    default: {  // arrays, mostly of objects: where array consistency matters
      json::array a;
      int n = static_cast<int>(rng() % 4);
      for (int i = 0; i < n; ++i) {
        json::value element = random_value(rng, depth - 1);
        if (!element.is_object() && rng() % 2) {
          json::object o;
          for (int k = 0; k < 2; ++k) o[kKeys[rng() % kKeys.size()]] = random_value(rng, 0);
          element = std::move(o);
        }
        a.push_back(std::move(element));
      }
      return a;
    }
  }
}

// Writes the conditions as a policy, each path split into keys at random (nested or dotted).
std::optional<std::string> render_policy(const std::vector<ModelCondition>& conditions, std::mt19937& rng) {
  json::object root;
  for (const auto& c : conditions) {
    std::vector<std::string> keys;
    for (const auto& segment : c.segments) {
      if (!keys.empty() && rng() % 3 == 0) {
        keys.back() += "." + segment;
      } else {
        keys.push_back(segment);
      }
    }
    json::array values;
    for (const auto& v : c.values) values.push_back(v);
    if (c.exists_true) values.push_back(json::object{{"exists", true}});
    if (c.exists_false) values.push_back(json::object{{"exists", false}});
    json::object* node = &root;
    for (std::size_t i = 0; i + 1 < keys.size(); ++i) {
      auto it = node->find(keys[i]);
      if (it == node->end()) {
        node = &(*node)[keys[i]].emplace_object();
      } else if (it->value().is_object()) {
        node = &it->value().get_object();
      } else {
        return std::nullopt;
      }
    }
    if (node->contains(keys.back())) return std::nullopt;
    (*node)[keys.back()] = std::move(values);
  }
  return json::serialize(root);
}

TEST(FilterPolicyFuzz, AgreesWithBruteForceModel) {
  std::mt19937 rng(7);
  static const std::vector<std::string> kSegments = {"a", "b", "c"};
  int compared = 0, matched = 0, mismatches = 0;
  for (int round = 0; round < 3000; ++round) {
    std::vector<ModelCondition> conditions;
    std::set<std::string> paths;
    int count = 1 + static_cast<int>(rng() % 3);
    for (int i = 0; i < count; ++i) {
      ModelCondition c;
      int depth = 1 + static_cast<int>(rng() % 3);
      for (int d = 0; d < depth; ++d) {
        // Mostly under a shared first key, so conditions meet in the same arrays.
        c.segments.push_back(d == 0 && rng() % 3 != 0 ? "a" : kSegments[rng() % kSegments.size()]);
      }
      if (!paths.insert(c.path()).second) continue;
      switch (rng() % 4) {
        case 0:
          c.exists_true = true;
          break;
        case 1:
          c.exists_false = true;
          if (rng() % 2) c.values.emplace_back("x");
          break;
        default: {
          int n = 1 + static_cast<int>(rng() % 2);
          for (int k = 0; k < n; ++k) {
            if (rng() % 2) {
              c.values.emplace_back(std::string(1, static_cast<char>('x' + rng() % 3)));
            } else {
              c.values.emplace_back(static_cast<std::int64_t>(1 + rng() % 3));
            }
          }
        }
      }
      conditions.push_back(std::move(c));
    }
    auto text = render_policy(conditions, rng);
    if (!text) continue;
    auto parsed = FilterPolicy::parse(*text, Scope::MessageBody);
    if (auto* error = std::get_if<FilterPolicyError>(&parsed)) {
      ASSERT_EQ(error->reason, "FilterPolicy: Filter policy is too complex") << *text;
      continue;
    }
    const auto& policy = std::get<FilterPolicy>(parsed);
    for (int b = 0; b < 30; ++b) {
      json::object body;
      int n = 1 + static_cast<int>(rng() % 4);
      static const std::vector<std::string> kTop = {"a", "a", "b", "c", "a.b", "b.c", "a.b.c"};
      for (int i = 0; i < n; ++i) body[kTop[rng() % kTop.size()]] = random_value(rng, 3);
      std::string serialized = json::serialize(body);
      bool expected = model_matches(conditions, body);
      bool actual = policy.matches_body(serialized);
      ++compared;
      matched += expected;
      if (expected != actual && ++mismatches <= 5) {
        ADD_FAILURE() << "policy " << *text << "\nbody " << serialized << "\nmodel " << expected << " engine "
                      << actual;
      }
    }
  }
  EXPECT_EQ(mismatches, 0);
  EXPECT_GT(compared, 20000);
  EXPECT_GT(matched, 1000);
}

}  // namespace
}  // namespace fanout::services::sns
