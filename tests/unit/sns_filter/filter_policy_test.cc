// SNS filter policies: the examples of the AWS SNS developer guide (match and no-match, both
// scopes), AWS's answers to invalid policies, and its limits.
//
// Sources (cited per case):
//   [examples]    https://docs.aws.amazon.com/sns/latest/dg/example-filter-policies.html
//   [string]      https://docs.aws.amazon.com/sns/latest/dg/string-value-matching.html
//   [numeric]     https://docs.aws.amazon.com/sns/latest/dg/numeric-value-matching.html
//   [key]         https://docs.aws.amazon.com/sns/latest/dg/attribute-key-matching.html
//   [and-or]      https://docs.aws.amazon.com/sns/latest/dg/and-or-logic.html
//   [constraints] https://docs.aws.amazon.com/sns/latest/dg/subscription-filter-policy-constraints.html
//   [payload]
//   https://aws.amazon.com/blogs/compute/introducing-payload-based-message-filtering-for-amazon-sns/
//   [recorded]    responses of real AWS SNS recorded by LocalStack's AWS-validated snapshot tests
//                 (tests/aws/services/sns/test_sns_filter_policy{.py,.snapshot.json}, May 2024)
// In the guide, attribute examples are written as they appear in the notification envelope
// ({"Type": ..., "Value": ...}); here they are FilterAttribute{DataType, StringValue}.
#include "services/sns/filter_policy.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace fanout::services::sns {
namespace {

using Scope = FilterPolicy::Scope;

struct Attr {
  std::string name, type, value;
};
using Attrs = std::vector<Attr>;

FilterAttributes to_map(const Attrs& attrs) {
  FilterAttributes map;
  for (const auto& a : attrs) map[a.name] = FilterAttribute{a.type, a.value};
  return map;
}

std::string describe(const Attrs& attrs) {
  std::string out = "{";
  for (const auto& a : attrs) out += a.name + ":" + a.type + "=" + a.value + " ";
  return out + "}";
}

FilterPolicy must_parse(const std::string& policy, Scope scope) {
  auto parsed = FilterPolicy::parse(policy, scope);
  if (auto* error = std::get_if<FilterPolicyError>(&parsed)) {
    ADD_FAILURE() << "policy rejected: " << policy << "\n  " << error->message;
    return std::get<FilterPolicy>(FilterPolicy::parse("{}", scope));
  }
  return std::get<FilterPolicy>(parsed);
}

struct AttributeCase {
  const char* source;
  std::string policy;
  std::vector<Attrs> matching;
  std::vector<Attrs> not_matching;
};

struct BodyCase {
  const char* source;
  std::string policy;
  std::vector<std::string> matching;
  std::vector<std::string> not_matching;
};

void run(const AttributeCase& c) {
  SCOPED_TRACE(std::string(c.source) + " " + c.policy);
  auto policy = must_parse(c.policy, Scope::MessageAttributes);
  for (const auto& attrs : c.matching)
    EXPECT_TRUE(policy.matches_attributes(to_map(attrs))) << describe(attrs);
  for (const auto& attrs : c.not_matching)
    EXPECT_FALSE(policy.matches_attributes(to_map(attrs))) << describe(attrs);
}

void run(const BodyCase& c) {
  SCOPED_TRACE(std::string(c.source) + " " + c.policy);
  auto policy = must_parse(c.policy, Scope::MessageBody);
  for (const auto& body : c.matching) EXPECT_TRUE(policy.matches_body(body)) << body;
  for (const auto& body : c.not_matching) EXPECT_FALSE(policy.matches_body(body)) << body;
}

// --- [examples]: the sample message and the two policies -------------------------------------

const Attrs kExampleMessage = {
    {"customer_interests", "String.Array", R"(["soccer", "rugby", "hockey"])"},
    {"store", "String", "example_corp"},
    {"event", "String", "order_placed"},
    {"price_usd", "Number", "210.75"},
};
const char* kExampleBody =
    R"({"customer_interests": ["soccer", "rugby", "hockey"], "store": "example_corp",
        "event": "order_placed", "price_usd": 210.75})";
const char* kAcceptingPolicy = R"({
   "store": ["example_corp"],
   "event": [{"anything-but": "order_cancelled"}],
   "customer_interests": ["rugby", "football", "baseball"],
   "price_usd": [{"numeric": [">=", 100]}]
})";
const char* kRejectingPolicy = R"({
   "store": ["example_corp"],
   "event": ["order_cancelled"],
   "encrypted": [false],
   "customer_interests": ["basketball", "baseball"]
})";

TEST(FilterPolicyDocs, ExampleFilterPolicies) {
  run(AttributeCase{"[examples] accepts", kAcceptingPolicy, {kExampleMessage}, {}});
  run(AttributeCase{"[examples] rejects", kRejectingPolicy, {}, {kExampleMessage}});
  // The same message as a JSON body, in MessageBody scope.
  run(BodyCase{"[examples] accepts (body)", kAcceptingPolicy, {kExampleBody}, {}});
  run(BodyCase{"[examples] rejects (body)", kRejectingPolicy, {}, {kExampleBody}});
}

// --- [string] -----------------------------------------------------------------------------

TEST(FilterPolicyDocs, StringExactMatching) {
  const char* policy = R"({"customer_interests": ["rugby", "tennis"]})";
  run(AttributeCase{"[string] exact",
                    policy,
                    {{{"customer_interests", "String", "rugby"}},
                     {{"customer_interests", "String", "tennis"}},
                     {{"customer_interests", "String.Array", R"(["rugby", "tennis"])"}}},
                    {{{"customer_interests", "String", "baseball"}},
                     {{"customer_interests", "String.Array", R"(["baseball"])"}}}});
  run(BodyCase{"[string] exact (body)",
               policy,
               {R"({"customer_interests": "rugby"})", R"({"customer_interests": "tennis"})"},
               {R"({"customer_interests": "baseball"})"}});
}

TEST(FilterPolicyDocs, StringAnythingButMatching) {
  const char* policy = R"({"customer_interests": [{"anything-but": ["rugby", "tennis"]}]})";
  run(AttributeCase{"[string] anything-but",
                    policy,
                    {{{"customer_interests", "String", "baseball"}},
                     {{"customer_interests", "String", "football"}},
                     // "because it contains a value that isn't rugby or tennis"
                     {{"customer_interests", "String.Array", R"(["rugby", "baseball"])"}}},
                    {{{"customer_interests", "String", "rugby"}}}});
  run(BodyCase{"[string] anything-but (body)",
               policy,
               {R"({"customer_interests": "baseball"})", R"({"customer_interests": "football"})"},
               {R"({"customer_interests": "rugby"})"}});
  // A single value, as in [examples].
  run(AttributeCase{"[string] anything-but single",
                    R"({"event": [{"anything-but": "order_cancelled"}]})",
                    {{{"event", "String", "order_placed"}}},
                    {{{"event", "String", "order_cancelled"}}, {}}});
}

TEST(FilterPolicyDocs, StringAnythingButPrefixAndSuffix) {
  // "the following policy attribute denies the order- prefix"
  const char* prefix = R"({"event": [{"anything-but": {"prefix": "order-"}}]})";
  run(AttributeCase{"[string] anything-but prefix",
                    prefix,
                    {{{"event", "String", "data-entry"}}, {{"event", "String", "order_number"}}},
                    {{{"event", "String", "order-cancelled"}}}});
  run(BodyCase{"[string] anything-but prefix (body)",
               prefix,
               {R"({"event": "data-entry"})", R"({"event": "order_number"})"},
               {R"({"event": "order-cancelled"})"}});
  const char* suffix = R"({"event": [{"anything-but": {"suffix": "-cancelled"}}]})";
  run(AttributeCase{"[string] anything-but suffix",
                    suffix,
                    {{{"event", "String", "order-created"}}, {{"event", "String", "cancelled-order"}}},
                    {{{"event", "String", "order-cancelled"}}}});
  run(BodyCase{"[string] anything-but suffix (body)",
               suffix,
               {R"({"event": "order-created"})"},
               {R"({"event": "order-cancelled"})", R"({"other": "x"})"}});
}

TEST(FilterPolicyDocs, StringEqualsIgnoreCase) {
  const char* policy = R"({"customer_interests": [{"equals-ignore-case": "tennis"}]})";
  run(AttributeCase{
      "[string] equals-ignore-case",
      policy,
      {{{"customer_interests", "String", "TENNIS"}}, {{"customer_interests", "String", "Tennis"}}},
      {{{"customer_interests", "String", "rugby"}}}});
  run(BodyCase{"[string] equals-ignore-case (body)",
               policy,
               {R"({"customer_interests": "TENNIS"})", R"({"customer_interests": "tennis"})"},
               {R"({"customer_interests": "rugby"})", R"({"customer_interests": "tennis "})"}});
  run(AttributeCase{"anything-but equals-ignore-case",
                    R"({"state": [{"anything-but": {"equals-ignore-case": ["initializing", "Stopped"]}}]})",
                    {{{"state", "String", "running"}}},
                    {{{"state", "String", "INITIALIZING"}}, {{"state", "String", "stopped"}}}});
}

TEST(FilterPolicyDocs, StringPrefixAndSuffix) {
  const char* prefix = R"({"customer_interests": [{"prefix": "bas"}]})";
  run(AttributeCase{
      "[string] prefix",
      prefix,
      {{{"customer_interests", "String", "baseball"}}, {{"customer_interests", "String", "basketball"}}},
      {{{"customer_interests", "String", "rugby"}}}});
  run(BodyCase{"[string] prefix (body)",
               prefix,
               {R"({"customer_interests": "baseball"})", R"({"customer_interests": "basketball"})"},
               {R"({"customer_interests": "rugby"})"}});
  const char* suffix = R"({"customer_interests": [{"suffix": "ball"}]})";
  run(AttributeCase{
      "[string] suffix",
      suffix,
      {{{"customer_interests", "String", "baseball"}}, {{"customer_interests", "String", "basketball"}}},
      {{{"customer_interests", "String", "rugby"}}}});
  run(BodyCase{"[string] suffix (body)",
               suffix,
               {R"({"customer_interests": "baseball"})", R"({"customer_interests": "basketball"})"},
               {R"({"customer_interests": "rugby"})"}});
}

TEST(FilterPolicyDocs, IpAddressMatching) {
  const char* policy = R"({"source_ip": [{"cidr": "10.0.0.0/24"}]})";
  run(AttributeCase{"[string] cidr",
                    policy,
                    {{{"source_ip", "String", "10.0.0.0"}}, {{"source_ip", "String", "10.0.0.255"}}},
                    {{{"source_ip", "String", "10.1.1.0"}}, {{"source_ip", "String", "not-an-ip"}}}});
  run(BodyCase{"[string] cidr (body)",
               policy,
               {R"({"source_ip": "10.0.0.0"})", R"({"source_ip": "10.0.0.255"})"},
               {R"({"source_ip": "10.1.1.0"})", R"({"source_ip": 10})"}});
  run(BodyCase{"cidr IPv6",
               R"({"source_ip": [{"cidr": "2001:db8::/32"}]})",
               {R"({"source_ip": "2001:db8::1"})", R"({"source_ip": "2001:0db8:ffff::"})"},
               {R"({"source_ip": "2001:db9::1"})", R"({"source_ip": "10.0.0.1"})"}});
  run(BodyCase{"cidr /0 and odd prefix lengths",
               R"({"a": [{"cidr": "0.0.0.0/0"}], "b": [{"cidr": "192.168.0.0/23"}]})",
               {R"({"a": "8.8.8.8", "b": "192.168.1.200"})"},
               {R"({"a": "8.8.8.8", "b": "192.168.2.1"})"}});
}

// --- [numeric] ----------------------------------------------------------------------------

TEST(FilterPolicyDocs, NumericExactMatching) {
  const char* policy = R"({"price_usd": [{"numeric": ["=", 301.5]}]})";
  run(AttributeCase{"[numeric] exact",
                    policy,
                    {{{"price_usd", "Number", "301.5"}}, {{"price_usd", "Number", "3.015e2"}}},
                    {{{"price_usd", "Number", "301.6"}}, {{"price_usd", "String", "301.5"}}}});
  run(BodyCase{"[numeric] exact (body)",
               policy,
               {R"({"price_usd": 301.5})", R"({"price_usd": 3.015e2})"},
               {R"({"price_usd": "301.5"})", R"({"price_usd": 301})"}});
}

TEST(FilterPolicyDocs, NumericAnythingBut) {
  const char* policy = R"({"price": [{"anything-but": [100, 500]}]})";
  // The guide writes the array attribute as "Number.Array"; SNS's array type is String.Array.
  run(AttributeCase{"[numeric] anything-but",
                    policy,
                    {{{"price", "Number", "101"}},
                     {{"price", "Number", "100.1"}},
                     {{"price", "Number.Array", "[100, 50]"}},
                     {{"price", "String.Array", "[100, 50]"}}},
                    {{{"price", "Number", "100"}}}});
  run(BodyCase{"[numeric] anything-but (body)",
               policy,
               {R"({"price": 101})", R"({"price": 100.1})", R"({"price": [100, 50]})"},
               {R"({"price": 100})", R"({"price": 1e2})"}});
}

TEST(FilterPolicyDocs, NumericValueRanges) {
  run(BodyCase{"[numeric] negative",
               R"({"price_usd": [{"numeric": ["<", 0]}]})",
               {R"({"price_usd": -1})", R"({"price_usd": -0.00001})"},
               {R"({"price_usd": 0})", R"({"price_usd": 5})"}});
  const char* up_to_150 = R"({"price_usd": [{"numeric": [">", 0, "<=", 150]}]})";
  run(BodyCase{"[numeric] range",
               up_to_150,
               {R"({"price_usd": 0.5})", R"({"price_usd": 150})"},
               {R"({"price_usd": 0})", R"({"price_usd": 150.00001})", R"({"price_usd": -3})"}});
  run(AttributeCase{"[numeric] range (attributes)",
                    up_to_150,
                    {{{"price_usd", "Number", "150"}}, {{"price_usd", "Number", "1"}}},
                    {{{"price_usd", "Number", "0"}}, {{"price_usd", "Number", "151"}}}});
  // [recorded]: attr1 (Number) 99 is delivered, 111 is not.
  run(AttributeCase{"[recorded] numeric range",
                    R"({"attr1": [{"numeric": [">", 0, "<=", 100]}]})",
                    {{{"attr1", "Number", "99"}}},
                    {{{"attr1", "Number", "111"}}}});
  run(BodyCase{"numeric bounds >= and <",
               R"({"n": [{"numeric": [">=", 10, "<", 20]}]})",
               {R"({"n": 10})", R"({"n": 19.99999})"},
               {R"({"n": 20})", R"({"n": 9.99999})"}});
  // Five digits after the decimal point: beyond that, numbers are equal.
  run(BodyCase{"numeric precision",
               R"({"n": [{"numeric": ["=", 1.000001]}]})",
               {R"({"n": 1})", R"({"n": 1.000004})"},
               {R"({"n": 1.00001})"}});
}

// --- [key] ----------------------------------------------------------------------------------

TEST(FilterPolicyDocs, KeyMatching) {
  const Attrs with_store = {{"store", "String", "fans"},
                            {"customer_interests", "String.Array", R"(["baseball", "basketball"])"}};
  const Attrs without_store = {{"customer_interests", "String.Array", R"(["baseball", "basketball"])"}};
  // The guide's body lacks a comma between the two properties; it is written as valid JSON here.
  const char* body_with = R"({"store": "fans", "customer_interests": ["baseball", "basketball"]})";
  const char* body_without = R"({"customer_interests": ["baseball", "basketball"]})";
  run(AttributeCase{"[key] exists true", R"({"store": [{"exists": true}]})", {with_store}, {without_store}});
  run(BodyCase{"[key] exists true (body)", R"({"store": [{"exists": true}]})", {body_with}, {body_without}});
  run(AttributeCase{
      "[key] exists false", R"({"store": [{"exists": false}]})", {without_store}, {with_store}});
  run(BodyCase{
      "[key] exists false (body)", R"({"store": [{"exists": false}]})", {body_without}, {body_with}});
  // [recorded]: a Number attribute exists; exists:false delivers only without the key.
  run(AttributeCase{"[recorded] exists",
                    R"({"store": [{"exists": true}]})",
                    {{{"store", "Number", "99"}, {"def", "Number", "99"}}},
                    {{{"attr1", "Number", "111"}}}});
  run(AttributeCase{"[recorded] exists false",
                    R"({"store": [{"exists": false}]})",
                    {{{"def", "Number", "99"}}},
                    {{{"store", "Number", "99"}, {"def", "Number", "99"}}}});
  // [constraints]: Binary attributes are ignored.
  run(AttributeCase{"binary ignored",
                    R"({"blob": [{"exists": false}]})",
                    {{{"blob", "Binary", "\x01\x02"}}},
                    {{{"blob", "String", "x"}}}});
  // exists applies to leaves: an object or an empty array holds no value.
  run(BodyCase{"exists on leaves",
               R"({"a": [{"exists": true}]})",
               {R"({"a": null})", R"({"a": [1]})", R"({"a": ""})"},
               {R"({"a": {"b": 1}})", R"({"a": []})"}});
}

// --- [and-or] -------------------------------------------------------------------------------

TEST(FilterPolicyDocs, AndOrLogic) {
  const char* and_policy = R"({"customer_interests": ["rugby"], "price_usd": [{"numeric": [">", 100]}]})";
  run(AttributeCase{"[and-or] AND",
                    and_policy,
                    {{{"customer_interests", "String", "rugby"}, {"price_usd", "Number", "100.5"}}},
                    {{{"customer_interests", "String", "rugby"}, {"price_usd", "Number", "100"}},
                     {{"customer_interests", "String", "tennis"}, {"price_usd", "Number", "500"}},
                     {{"customer_interests", "String", "rugby"}}}});
  run(BodyCase{"[and-or] AND (body)",
               and_policy,
               {R"({"customer_interests": "rugby", "price_usd": 101})"},
               {R"({"customer_interests": "rugby", "price_usd": 99})"}});
  const char* or_policy = R"({"customer_interests": ["rugby", "football", "baseball"]})";
  run(AttributeCase{"[and-or] OR",
                    or_policy,
                    {{{"customer_interests", "String", "rugby"}},
                     {{"customer_interests", "String", "football"}},
                     {{"customer_interests", "String", "baseball"}}},
                    {{{"customer_interests", "String", "tennis"}}}});
}

TEST(FilterPolicyDocs, OrOperator) {
  // Standard OR: "source" && ("metricName" || "namespace").
  const char* standard = R"({
    "source": [ "aws.cloudwatch" ],
    "$or": [
      { "metricName": [ "CPUUtilization" ] },
      { "namespace": [ "AWS/EC2" ] }
    ]
  })";
  run(BodyCase{
      "[and-or] $or",
      standard,
      {R"({"source": "aws.cloudwatch", "metricName": "CPUUtilization"})",
       R"({"source": "aws.cloudwatch", "namespace": "AWS/EC2"})"},
      {R"({"source": "aws.cloudwatch"})", R"({"metricName": "CPUUtilization", "namespace": "AWS/EC2"})",
       R"({"source": "aws.events", "metricName": "CPUUtilization"})"}});
  run(AttributeCase{"[and-or] $or (attributes)",
                    standard,
                    {{{"source", "String", "aws.cloudwatch"}, {"namespace", "String", "AWS/EC2"}}},
                    {{{"source", "String", "aws.cloudwatch"}, {"namespace", "String", "AWS/ES"}}}});
  // Nested OR: "source" && ("metricName" || ("metricType" && "metricId") || ("metricType" && "spaceId")).
  const char* nested = R"({
    "source": [ "aws.cloudwatch" ],
    "$or": [
      { "metricName": [ "CPUUtilization", "ReadLatency" ] },
      {
        "metricType": [ "MetricType" ],
        "$or": [
          { "metricId": [ 1234, 4321 ] },
          { "spaceId": [ 1000, 2000, 3000 ] }
        ]
      }
    ]
  })";
  run(BodyCase{"[and-or] nested $or",
               nested,
               {R"({"source": "aws.cloudwatch", "metricName": "ReadLatency"})",
                R"({"source": "aws.cloudwatch", "metricType": "MetricType", "metricId": 4321})",
                R"({"source": "aws.cloudwatch", "metricType": "MetricType", "spaceId": 3000})"},
               {R"({"source": "aws.cloudwatch", "metricType": "MetricType"})",
                R"({"source": "aws.cloudwatch", "metricId": 1234})",
                R"({"source": "aws.cloudwatch", "metricType": "Other", "spaceId": 1000})"}});
  // $or inside a nested key (MessageBody scope).
  const char* in_object = R"({
    "$or": [{"metricName": ["CPUUtilization", "ReadLatency"]}, {"namespace": ["AWS/EC2", "AWS/ES"]}],
    "detail": {"scope": ["Service"], "$or": [{"source": ["aws.cloudwatch"]}, {"type": ["CloudWatch Alarm State Change"]}]}
  })";
  run(BodyCase{
      "$or inside a nested key",
      in_object,
      {R"({"metricName": "CPUUtilization", "detail": {"scope": "Service", "source": "aws.cloudwatch"}})",
       R"({"namespace": "AWS/ES", "detail": {"scope": "Service", "source": "aws.cloudwatch"}})",
       R"({"namespace": "AWS/EC2", "detail": {"scope": "Service", "type": "CloudWatch Alarm State Change"}})"},
      {R"({"metricName": "CPUUtilization", "detail": {"scope": "aws.cloudwatch", "type": "CloudWatch Alarm State Change"}})",
       R"({"metricName": "CPUUtilization", "detail": {"scope": "Service", "type": "CPUUtilization"}})",
       R"({"metricName": "CPUUtilization", "detail": {"type": "CloudWatch Alarm State Change"}})",
       R"({"metricName": "CPUUtilization", "detail": {"scope": "Service"}})",
       R"({"metricName": "CPUUtilization", "scope": "Service"})"}});
}

TEST(FilterPolicyDocs, OrIsAPlainKeyUnlessWellFormed) {
  // [and-or]: "$or" is an OR relationship only when followed by an array of at least two objects
  // without reserved keywords; otherwise it is a regular attribute name.
  run(BodyCase{"$or with plain values",
               R"({"$or": ["a", "b"]})",
               {R"({"$or": "a"})"},
               {R"({"$or": "c"})", R"({"a": "a"})"}});
  // The guide's example with reserved keywords is then a key "$or" with two match expressions,
  // of which {"numeric": 123} is invalid.
  auto parsed =
      FilterPolicy::parse(R"({"$or": [ {"numeric" : 123}, {"prefix": "abc"} ]})", Scope::MessageBody);
  ASSERT_TRUE(std::holds_alternative<FilterPolicyError>(parsed));
  EXPECT_EQ(std::get<FilterPolicyError>(parsed).reason, "FilterPolicy: Value of numeric must be an array.");
  run(BodyCase{"$or of match expressions",
               R"({"$or": [{"prefix": "ab"}, {"suffix": "yz"}]})",
               {R"({"$or": "abc"})", R"({"$or": "xyz"})"},
               {R"({"$or": "mmm"})"}});
}

// --- Message body scope: nesting, dotted keys, arrays, null ([payload], [recorded]) ---------

TEST(FilterPolicyDocs, NestedBodyPolicy) {
  // [recorded]: the [payload] blog's nested policy with exists:false keys.
  run(BodyCase{
      "[recorded] nested with exists false",
      R"({"object": {"key": [{"prefix": "auto-"}, "hardcodedvalue"], "nested_key": [{"exists": false}]},
                   "test": [{"exists": false}]})",
      {R"({"object": {"key": "auto-test"}})", R"({"object": {"key": "hardcodedvalue"}})"},
      {R"({"object": {"key": "test-auto"}})", R"({"object": {"key": "auto-test"}, "test": "just-exists"})",
       R"({"object": {"key": "auto-test", "nested_key": "just-exists"}})",
       R"({"object": {"test": "auto-test"}})", R"({"test": "auto-test"})", "Regular string message",
       R"("Regular string message")", "[]", "", R"({"object": {"key": "auto-test"})"}});
}

TEST(FilterPolicyDocs, DottedKeys) {
  // [recorded]: a dotted policy key matches nested and dotted body keys alike.
  run(BodyCase{"[recorded] dotted key",
               R"({"object.nested": ["string.value"]})",
               {R"({"object": {"nested": "string.value"}})", R"({"object.nested": "string.value"})"},
               {R"({"object": {"nested": "test-auto"}})"}});
  run(BodyCase{
      "[recorded] deeper dotted key",
      R"({"object.nested.test": ["string.value"]})",
      {R"({"object": {"nested": {"test": "string.value"}}})", R"({"object.nested.test": "string.value"})",
       R"({"object.nested": {"test": "string.value"}})", R"({"object": {"nested.test": "string.value"}})"},
      {R"({"object": {"nested": {"test": "string.notvalue"}}})"}});
  run(BodyCase{"nested policy, dotted body",
               R"({"a": {"b": ["x"]}})",
               {R"({"a.b": "x"})", R"({"a": {"b": "x"}})"},
               {R"({"a": {"b": "y"}, "c": "x"})"}});
  run(BodyCase{"empty key segments",
               R"({"": {"": ["x"]}})",
               {R"({"": {"": "x"}})", R"({".": "x"})"},
               {R"({"": "x"})"}});
}

TEST(FilterPolicyDocs, BodyArrays) {
  // [recorded]: two subscriptions routing on an array property.
  run(BodyCase{
      "[recorded] route-to queue1",
      R"({"headers": {"route-to": ["queue1"]}})",
      {R"({"headers": {"route-to": ["queue1"]}})", R"({"headers": {"route-to": ["queue1", "queue2"]}})"},
      {R"({"headers": {"route-to": ["queue3"]}})", R"({"headers": {"route-to": ["queue2"]}})"}});
  // [recorded] / [payload]: S3 event records, arrays of objects (even a list of lists).
  const char* s3_policy = R"({"Records": {"s3": {"object": {"key": [{"prefix": "auto-"}]}},
                                         "eventName": [{"prefix": "ObjectCreated:"}]}})";
  const char* auto_created =
      R"({"Records": [{"eventSource": "aws:s3", "eventTime": "2022-11-21T03:41:29.743Z",
      "eventName": "ObjectCreated:Put", "s3": {"bucket": {"name": "insurance-bucket-demo",
      "arn": "arn:aws:s3:::insurance-bucket-demo"}, "object": {"key": "auto-insurance-2314.xml", "size": 17}}}]})";
  const char* auto_removed = R"({"Records": [{"eventSource": "aws:s3", "eventName": "ObjectRemoved:Delete",
      "s3": {"object": {"key": "auto-insurance-2314.xml", "size": 17}}}]})";
  const char* home_created = R"({"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
      "s3": {"object": {"key": "home-insurance-2314.xml", "size": 17}}}]})";
  const char* multiple = R"({"Records": [
      {"eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
       "s3": {"object": [[{"key": "auto-insurance-2314.xml", "size": 17}]]}},
      {"eventSource": "aws:s3", "eventName": "ObjectRemoved:Delete",
       "s3": {"object": {"key": "home-insurance-2314.xml", "size": 17}}}]})";
  // The values a branch matches inside one array must come from the same element.
  const char* crossed = R"({"Records": [
      {"eventName": "ObjectCreated:Put", "s3": {"object": {"key": "home-insurance-2314.xml"}}},
      {"eventName": "ObjectRemoved:Delete", "s3": {"object": {"key": "auto-insurance-2314.xml"}}}]})";
  run(BodyCase{
      "[recorded] S3 records", s3_policy, {auto_created, multiple}, {auto_removed, home_created, crossed}});
}

TEST(FilterPolicyDocs, NullAndBooleans) {
  // Policies may hold null, true and false; in MessageBody scope they match JSON null and booleans.
  run(BodyCase{"null and booleans",
               R"({"a": [null], "b": [true], "c": [false, 0]})",
               {R"({"a": null, "b": true, "c": false})", R"({"a": null, "b": true, "c": 0})"},
               {R"({"b": true, "c": false})", R"({"a": "null", "b": true, "c": false})",
                R"({"a": null, "b": "true", "c": false})", R"({"a": null, "b": true, "c": "false"})"}});
  // [recorded]: null does not match a missing attribute.
  run(AttributeCase{"[recorded] null vs missing attribute",
                    R"({"attr1": [null, {"anything-but": "whatever"}]})",
                    {{{"attr1", "String", "something"}}},
                    {{}, {{"attr1", "String", "whatever"}}}});
}

TEST(FilterPolicyDocs, AttributeTypes) {
  // [recorded]: a String.Array attribute matches when one element does.
  run(AttributeCase{"[recorded] String.Array",
                    R"({"store": ["value1"]})",
                    {{{"store", "String", "value1"}}, {{"store", "String.Array", R"(["value1", "value2"])"}}},
                    {{{"store", "String.Array", R"(["value2", "value3"])"}}}});
  // Number compares numerically; String does not; custom type labels keep their base type.
  run(AttributeCase{
      "attribute types",
      R"({"n": [{"numeric": [">", 5]}], "s": ["5"]})",
      {{{"n", "Number.float", "6"}, {"s", "String.custom", "5"}},
       {{"n", "Number", "+1e1"}, {"s", "String", "5"}}},
      {{{"n", "String", "6"}, {"s", "String", "5"}}, {{"n", "Number", "6"}, {"s", "Number", "5"}}}});
  // Attribute names are flat: a dot is part of the name.
  run(AttributeCase{
      "dotted attribute name", R"({"a.b": ["x"]})", {{{"a.b", "String", "x"}}}, {{{"a", "String", "x"}}}});
}

TEST(FilterPolicyDocs, EmptyPolicyMatchesEverything) {
  auto policy = must_parse("{}", Scope::MessageBody);
  EXPECT_TRUE(policy.matches_body("not json"));
  EXPECT_TRUE(policy.matches_attributes({}));
}

TEST(FilterPolicy, PreparedMessageIsReusable) {
  auto message = FilterMessage::from_body(kExampleBody);
  EXPECT_TRUE(message.valid());
  EXPECT_TRUE(must_parse(kAcceptingPolicy, Scope::MessageBody).matches(message));
  EXPECT_FALSE(must_parse(kRejectingPolicy, Scope::MessageBody).matches(message));
  EXPECT_FALSE(FilterMessage::from_body("[1]").valid());
}

TEST(FilterPolicy, Scopes) {
  EXPECT_EQ(FilterPolicy::parse_scope("MessageBody"), Scope::MessageBody);
  EXPECT_EQ(FilterPolicy::parse_scope("MessageAttributes"), Scope::MessageAttributes);
  EXPECT_EQ(FilterPolicy::parse_scope("RandomValue"), std::nullopt);
  EXPECT_EQ(FilterPolicy::scope_name(Scope::MessageBody), "MessageBody");
  EXPECT_EQ(must_parse(R"({"a": ["b"]})", Scope::MessageBody).scope(), Scope::MessageBody);
}

// --- Invalid policies and limits -----------------------------------------------------------

struct ErrorCase {
  const char* source;
  std::string policy;
  Scope scope;
  std::string reason;  // the message without "Invalid parameter: "
};

class FilterPolicyErrors : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(FilterPolicyErrors, AnswersLikeAws) {
  const auto& c = GetParam();
  auto parsed = FilterPolicy::parse(c.policy, c.scope);
  ASSERT_TRUE(std::holds_alternative<FilterPolicyError>(parsed)) << c.source << " accepted: " << c.policy;
  const auto& error = std::get<FilterPolicyError>(parsed);
  EXPECT_EQ(error.reason, c.reason) << c.source << " " << c.policy;
  EXPECT_EQ(error.message, "Invalid parameter: " + c.reason);
}

std::string many_values(const char* key, int count) {
  std::string out = std::string("\"") + key + "\": [";
  for (int i = 0; i < count; ++i) out += (i ? ",\"value" : "\"value") + std::to_string(i) + "\"";
  return out + "]";
}

constexpr Scope kAttrs = Scope::MessageAttributes;
constexpr Scope kBody = Scope::MessageBody;

INSTANTIATE_TEST_SUITE_P(
    Recorded, FilterPolicyErrors,
    ::testing::Values(
        ErrorCase{"[recorded] list in list", R"({"key":[["value"]]})", kAttrs,
                  "FilterPolicy: Match value must be String, number, true, false, or null"},
        ErrorCase{"[recorded] operator", R"({"key":[{"wrong-operator":true}]})", kAttrs,
                  "FilterPolicy: Unrecognized match type wrong-operator"},
        ErrorCase{"[recorded] two operators", R"({"key":[{"suffix":"value","prefix":"value2"}]})", kAttrs,
                  "FilterPolicy: Only one key allowed in match expression"},
        ErrorCase{"[recorded] suffix number", R"({"key":[{"suffix":100}]})", kAttrs,
                  "FilterPolicy: suffix match pattern must be a string"},
        ErrorCase{"[recorded] suffix null", R"({"key":[{"suffix":null}]})", kAttrs,
                  "FilterPolicy: suffix match pattern must be a string"},
        ErrorCase{"[recorded] suffix empty list", R"({"key":[{"suffix":[]}]})", kAttrs,
                  "FilterPolicy: suffix match pattern must be a string"},
        ErrorCase{"[recorded] suffix list", R"({"key":[{"suffix":["test","test2"]}]})", kAttrs,
                  "FilterPolicy: suffix match pattern must be a string"},
        ErrorCase{"[recorded] operator not in list", R"({"key":{"suffix":"value"}})", kAttrs,
                  "FilterPolicy: \"suffix\" must be an object or an array"},
        ErrorCase{"[recorded] two operators not in list", R"({"key":{"suffix":"value","prefix":"value"}})",
                  kAttrs, "FilterPolicy: \"suffix\" must be an object or an array"},
        ErrorCase{"[recorded] no operator not in list", R"({"key":{"not-an-operator":"value"}})", kAttrs,
                  "FilterPolicy: \"not-an-operator\" must be an object or an array"},
        ErrorCase{"[recorded] numeric empty", R"({"key":[{"numeric":[]}]})", kAttrs,
                  "FilterPolicy: Invalid member in numeric match: ]"},
        ErrorCase{"[recorded] numeric operator", R"({"key":[{"numeric":["operator"]}]})", kAttrs,
                  "FilterPolicy: Unrecognized numeric range operator: operator"},
        ErrorCase{"[recorded] numeric order", R"({"key":[{"numeric":[1,"<="]}]})", kAttrs,
                  "FilterPolicy: Invalid member in numeric match: 1"},
        ErrorCase{"[recorded] numeric type", R"({"key":[{"numeric":["=","000"]}]})", kAttrs,
                  "FilterPolicy: Value of equals must be numeric"},
        ErrorCase{"[recorded] numeric missing value", R"({"key":[{"numeric":[">="]}]})", kAttrs,
                  "FilterPolicy: Value of >= must be numeric"},
        ErrorCase{"[recorded] numeric range order", R"({"key":[{"numeric":["<",100,">",10]}]})", kAttrs,
                  "FilterPolicy: Too many elements in numeric expression"},
        ErrorCase{"[recorded] numeric range operators", R"({"key":[{"numeric":[">=",1,">",2]}]})", kAttrs,
                  "FilterPolicy: Bad numeric range operator: >"},
        ErrorCase{"[recorded] numeric value order", R"({"key":[{"numeric":[">",3,"<",1]}]})", kAttrs,
                  "FilterPolicy: Bottom must be less than top"},
        ErrorCase{"[recorded] numeric missing range value", R"({"key":[{"numeric":[">",20,"<="]}]})", kAttrs,
                  "FilterPolicy: Value of <= must be numeric"},
        ErrorCase{"[recorded] numeric missing range operator", R"({"key":[{"numeric":[">",20,30]}]})", kAttrs,
                  "FilterPolicy: Bad value in numeric range: 30"},
        ErrorCase{"[recorded] numeric second operator", R"({"key":[{"numeric":[">",20,"test"]}]})", kAttrs,
                  "FilterPolicy: Bad numeric range operator: test"},
        ErrorCase{"[recorded] numeric value 1 type", R"({"key":[{"numeric":[">","20","<","30"]}]})", kAttrs,
                  "FilterPolicy: Value of > must be numeric"},
        ErrorCase{"[recorded] numeric value 2 type", R"({"key":[{"numeric":[">",20,"<","30"]}]})", kAttrs,
                  "FilterPolicy: Value of < must be numeric"},
        ErrorCase{"[recorded] numeric too many", R"({"key":[{"numeric":[">",20,"<",30,"<",50]}]})", kAttrs,
                  "FilterPolicy: Too many terms in numeric range expression"},
        ErrorCase{"[recorded] exists null", R"({"key":[{"exists":null}]})", kAttrs,
                  "FilterPolicy: exists match pattern must be either true or false."},
        ErrorCase{"[recorded] exists string", R"({"key":[{"exists":"no"}]})", kAttrs,
                  "FilterPolicy: exists match pattern must be either true or false."},
        ErrorCase{"[recorded] anything-but wrong operator",
                  R"({"key":[{"anything-but":{"wrong-operator":null}}]})", kAttrs,
                  "FilterPolicy: Unsupported anything-but pattern: wrong-operator"},
        ErrorCase{"[recorded] anything-but exists", R"({"key":[{"anything-but":{"exists":false}}]})", kAttrs,
                  "FilterPolicy: Unsupported anything-but pattern: exists"},
        ErrorCase{"[recorded] anything-but prefix type", R"({"key":[{"anything-but":{"prefix":false}}]})",
                  kAttrs, "FilterPolicy: prefix match pattern must be a string"},
        ErrorCase{"[recorded] 151 values", "{" + many_values("key", 151) + "}", kAttrs,
                  "FilterPolicy: Filter policy is too complex"},
        ErrorCase{"[recorded] 100 x 51 values",
                  "{" + many_values("key1", 100) + "," + many_values("key2", 51) + "}", kAttrs,
                  "FilterPolicy: Filter policy is too complex"},
        ErrorCase{
            "[recorded] 6 keys",
            R"({"key1":["value1"],"key2":["value2"],"key3":["value3"],"key4":["value4"],"key5":["value5"],"key6":["value6"]})",
            kAttrs, "FilterPolicy: Filter policy can not have more than 5 keys"},
        ErrorCase{
            "[recorded] 6 keys (body)",
            R"({"key_a":["value_one"],"key_b":["value_two"],"key_c":["value_three"],"key_d":["value_four"],"key_e":["value_five"],"key_f":["value_six"]})",
            kBody, "FilterPolicy: Filter policy can not have more than 5 keys"},
        ErrorCase{"[recorded] nested in MessageAttributes scope",
                  R"({"object":{"key":[{"prefix":"auto-"}]}})", kAttrs,
                  "Filter policy scope MessageAttributes does not support nested filter policy"},
        // [constraints]: "3 x 4 x 2 x 3 x 1 x 3 = 216" (each array's values times its nesting depth).
        ErrorCase{"[recorded] nested combinations",
                  R"({"key_a":{"key_b":{"key_c":["value_one","value_two","value_three","value_four"]}},
                      "key_d":{"key_e":["value_one","value_two","value_three"]},
                      "key_f":["value_one","value_two","value_three"]})",
                  kBody, "FilterPolicy: Filter policy is too complex"},
        ErrorCase{"[recorded] rule not in a list", R"({"key_a":"value_one"})", kBody,
                  "FilterPolicy: \"key_a\" must be an object or an array"},
        // (source * metricName) + (source * metricType * metricId) + (source * metricType * spaceId)
        // = (4 * 6) + (4 * 4 * 4) + (4 * 4 * 4) = 152
        ErrorCase{"[recorded] $or complexity",
                  R"({"source":["aws.cloudwatch","aws.events","aws.test","aws.test2"],
                      "$or":[{"metricName":["CPUUtilization","ReadLatency","t1","t2","t3","t4"]},
                             {"metricType":["MetricType","TestType","TestType2","TestType3"],
                              "$or":[{"metricId":[1234,4321,5678,9012]},{"spaceId":[1,2,3,4]}]}]})",
                  kAttrs, "FilterPolicy: Filter policy is too complex"},
        // (3 * 4 * 2) + (3 * 4 * 6) + (2 * 4 * 2) + (2 * 4 * 6) = 160
        ErrorCase{
            "[recorded] nested $or complexity",
            R"({"$or":[{"metricName":["CPUUtilization","ReadLatency","TestValue"]},{"namespace":["AWS/EC2","AWS/ES"]}],
                      "detail":{"scope":["Service","Test"],
                                "$or":[{"source":["aws.cloudwatch"]},{"type":["CloudWatch Alarm State Change","TestValue","TestValue2"]}]}})",
            kBody, "FilterPolicy: Filter policy is too complex"},
        ErrorCase{"[recorded] invalid JSON", "{invalidjson}", kAttrs,
                  "FilterPolicy: failed to parse JSON."}));

INSTANTIATE_TEST_SUITE_P(
    Grammar, FilterPolicyErrors,
    ::testing::Values(
        ErrorCase{"not an object", R"(["a"])", kBody, "FilterPolicy: Filter is not an object"},
        ErrorCase{"truncated", R"({"a": ["b"])", kBody, "FilterPolicy: failed to parse JSON."},
        ErrorCase{"empty value list", R"({"a": []})", kBody, "FilterPolicy: Empty arrays are not allowed"},
        ErrorCase{"empty nested object", R"({"a": {}})", kBody,
                  "FilterPolicy: Empty objects are not allowed"},
        ErrorCase{"empty $or branch", R"({"$or": [{}, {"a": ["b"]}]})", kBody,
                  "FilterPolicy: Empty objects are not allowed"},
        ErrorCase{"empty match expression", R"({"a": [{}]})", kBody,
                  "FilterPolicy: Match expression name not found"},
        ErrorCase{"single $or alternative is a plain key", R"({"$or": [{"a": ["b"]}]})", kBody,
                  "FilterPolicy: Unrecognized match type a"},
        ErrorCase{"prefix object", R"({"a": [{"prefix": {"equals-ignore-case": "x"}}]})", kBody,
                  "FilterPolicy: prefix match pattern must be a string"},
        ErrorCase{"equals-ignore-case number", R"({"a": [{"equals-ignore-case": 1}]})", kBody,
                  "FilterPolicy: equals-ignore-case match pattern must be a string"},
        ErrorCase{"numeric not a list", R"({"a": [{"numeric": ">"}]})", kBody,
                  "FilterPolicy: Value of numeric must be an array."},
        ErrorCase{"numeric extra key", R"({"a": [{"numeric": [">", 1], "x": 1}]})", kBody,
                  "FilterPolicy: Too many elements in numeric expression"},
        ErrorCase{"numeric = extra", R"({"a": [{"numeric": ["=", 1, 2]}]})", kBody,
                  "FilterPolicy: Too many elements in numeric expression"},
        ErrorCase{"numeric equal bounds", R"({"a": [{"numeric": [">=", 1, "<=", 1]}]})", kBody,
                  "FilterPolicy: Bottom must be less than top"},
        ErrorCase{"numeric out of range", R"({"a": [{"numeric": [">", 1000000001]}]})", kBody,
                  "FilterPolicy: Value must be between -1.0E9 and 1.0E9, inclusive"},
        ErrorCase{"numeric out of range low", R"({"a": [{"numeric": ["<", -1e10]}]})", kBody,
                  "FilterPolicy: Value must be between -1.0E9 and 1.0E9, inclusive"},
        ErrorCase{"anything-but mixed", R"({"a": [{"anything-but": ["x", 1]}]})", kBody,
                  "FilterPolicy: Inside anything but list, either all values are number or string, mixed "
                  "type is not supported"},
        ErrorCase{"anything-but empty", R"({"a": [{"anything-but": []}]})", kBody,
                  "FilterPolicy: Inside anything but list, either all values are number or string, mixed "
                  "type is not supported"},
        ErrorCase{"anything-but boolean in list", R"({"a": [{"anything-but": [true]}]})", kBody,
                  "FilterPolicy: Inside anything but list, start|null|boolean is not supported."},
        ErrorCase{"anything-but boolean", R"({"a": [{"anything-but": true}]})", kBody,
                  "FilterPolicy: Value of anything-but must be an array or single string/number value."},
        ErrorCase{"anything-but empty object", R"({"a": [{"anything-but": {}}]})", kBody,
                  "FilterPolicy: Anything-But expression name not found"},
        ErrorCase{"anything-but empty prefix", R"({"a": [{"anything-but": {"prefix": ""}}]})", kBody,
                  "FilterPolicy: Null prefix/suffix not allowed"},
        ErrorCase{"anything-but suffix number", R"({"a": [{"anything-but": {"suffix": 1}}]})", kBody,
                  "FilterPolicy: suffix match pattern must be a string"},
        ErrorCase{"anything-but two keys", R"({"a": [{"anything-but": {"prefix": "x", "suffix": "y"}}]})",
                  kBody, "FilterPolicy: Only one key allowed in match expression"},
        ErrorCase{"anything-but ignore-case number",
                  R"({"a": [{"anything-but": {"equals-ignore-case": 1}}]})", kBody,
                  "FilterPolicy: Inside anything-but/equals-ignore-case list, number|start|null|boolean is "
                  "not supported."},
        ErrorCase{"anything-but ignore-case list number",
                  R"({"a": [{"anything-but": {"equals-ignore-case": ["x", 1]}}]})", kBody,
                  "FilterPolicy: Inside anything-but/equals-ignore-case list, numberic|start|null|boolean is "
                  "not supported."},
        ErrorCase{"anything-but number out of range", R"({"a": [{"anything-but": [5e9]}]})", kBody,
                  "FilterPolicy: Value must be between -1.0E9 and 1.0E9, inclusive"},
        ErrorCase{"exists extra key", R"({"a": [{"exists": true, "prefix": "x"}]})", kBody,
                  "FilterPolicy: Only one key allowed in match expression"},
        ErrorCase{"cidr type", R"({"a": [{"cidr": 10}]})", kBody,
                  "FilterPolicy: prefix match pattern must be a string"},
        ErrorCase{"cidr no slash", R"({"a": [{"cidr": "10.0.0.1"}]})", kBody,
                  "FilterPolicy: Malformed CIDR, one '/' required"},
        ErrorCase{"cidr bad ip", R"({"a": [{"cidr": "10.0.0.300/8"}]})", kBody,
                  "FilterPolicy: Malformed CIDR, invalid IP address: 10.0.0.300"},
        ErrorCase{"cidr bits", R"({"a": [{"cidr": "10.0.0.0/33"}]})", kBody,
                  "FilterPolicy: Malformed CIDR, mask bits must be between 0 and 32"},
        ErrorCase{"cidr bits text", R"({"a": [{"cidr": "::/x"}]})", kBody,
                  "FilterPolicy: Malformed CIDR, mask bits must be an integer"},
        ErrorCase{"wildcard is not SNS", R"({"a": [{"wildcard": "x*"}]})", kBody,
                  "FilterPolicy: Unrecognized match type wildcard"},
        ErrorCase{"nested $or key in attributes", R"({"$or": [{"a": {"b": ["x"]}}, {"c": ["y"]}]})", kAttrs,
                  "Filter policy scope MessageAttributes does not support nested filter policy"},
        ErrorCase{"6 keys through $or",
                  R"({"a":["1"],"b":["1"],"c":["1"],"d":["1"],"$or":[{"e":["1"]},{"f":["1"],"g":["1"]}]})",
                  kAttrs, "FilterPolicy: Filter policy can not have more than 5 keys"},
        ErrorCase{"deep $or explosion",
                  R"({"$or":[{"a":["1"]},{"b":["1"]}],"c":{"$or":[{"a":["1"]},{"b":["1"]}],
                      "d":{"$or":[{"a":["1"]},{"b":["1"]}],"e":{"$or":[{"a":["1"]},{"b":["1"]}],
                      "f":{"$or":[{"a":["1"]},{"b":["1"]}],"g":{"$or":[{"a":["1"]},{"b":["1"]}]}}}}}})",
                  kBody, "FilterPolicy: Filter policy is too complex"},
        ErrorCase{"too long", "{\"a\": [\"" + std::string(std::size_t{256} * 1024, 'x') + "\"]}", kBody,
                  "FilterPolicy: Filter policy is too long"}));

TEST(FilterPolicyLimits, AcceptedAtTheLimits) {
  // [constraints]: "3 x 1 x 2 = 6".
  must_parse(R"({"key_a": ["value_one", "value_two", "value_three"], "key_b": ["value_one"],
                 "key_c": ["value_one", "value_two"]})",
             kAttrs);
  // [recorded]: (3 * 6) + (3 * 4 * 4) + (3 * 4 * 7) = 150 is accepted.
  must_parse(R"({"source":["aws.cloudwatch","aws.events","aws.test"],
                 "$or":[{"metricName":["CPUUtilization","ReadLatency","TestVal","TestVal2","TestVal3","TestVal4"]},
                        {"metricType":["MetricType","TestType","TestType2","TestType3"],
                         "$or":[{"metricId":[1234,4321,5678,9012]},{"spaceId":[1,2,3,4,5,6,7]}]}]})",
             kAttrs);
  must_parse("{" + many_values("key", 150) + "}", kAttrs);
  // [constraints]: in MessageBody scope only top-level keys count towards the five.
  must_parse(R"({"state": ["SUCCESS"], "severity": [{"exists": true}], "message": [{"exists": true}],
                 "finding": {"standard_control": [{"exists": true}], "region": [{"exists": true}],
                             "account": [{"exists": true}]}})",
             kBody);
  // [constraints]: key_d (4 values at depth 4) and key_f (3 at depth 3): 16 x 9 = 144.
  must_parse(
      R"({"key_a": {"key_b": {"key_c": {"key_d": ["value_one", "value_two", "value_three", "value_four"]}},
                 "key_e": {"key_f": ["value_one", "value_two", "value_three"]}}})",
      kBody);
  // [recorded]: anything-but forms AWS accepts.
  must_parse(R"({"key":[{"anything-but":{"prefix":"test-"}}]})", kAttrs);
  must_parse(R"({"key":[{"anything-but":["test","test2"]}]})", kAttrs);
  must_parse(R"({"key":[{"anything-but":"test"}]})", kAttrs);
  // Exact numbers outside the numeric range are allowed (they only match exactly).
  auto big = must_parse(R"({"account": [123456789012]})", kBody);
  EXPECT_TRUE(big.matches_body(R"({"account": 123456789012})"));
  EXPECT_FALSE(big.matches_body(R"({"account": 123456789013})"));
  EXPECT_FALSE(big.matches_body(R"({"account": "123456789012"})"));
  must_parse(R"({"a": [{"numeric": ["<=", 1000000000]}], "b": [{"numeric": [">=", -1e9]}]})", kBody);
}

TEST(FilterPolicyLimits, LargeMessages) {
  // Conditions in one big array: linear, and consistency still holds.
  std::string body = R"({"items": [)";
  for (int i = 0; i < 20000; ++i)
    body += (i ? "," : "") + std::string(R"({"id": )") + std::to_string(i) + R"(, "tag": "t)" +
            std::to_string(i % 7) + "\"}";
  body += "]}";
  auto policy = must_parse(R"({"items": {"id": [19998], "tag": ["t0"]}})", kBody);
  EXPECT_FALSE(policy.matches_body(body));  // 19998 % 7 == 6
  auto hit = must_parse(R"({"items": {"id": [19998], "tag": ["t6"]}})", kBody);
  EXPECT_TRUE(hit.matches_body(body));
  // Deeply nested arrays.
  std::string deep = R"({"a": )" + std::string(900, '[') + R"("x")" + std::string(900, ']') + "}";
  EXPECT_TRUE(must_parse(R"({"a": ["x"]})", kBody).matches_body(deep));
}

}  // namespace
}  // namespace fanout::services::sns
