// Topics: create (idempotent, names, attributes, FIFO), attributes, list with paging, delete, tags,
// permissions, data-protection policy, limits and errors.
#include "sns_fixture.h"

namespace fanout::services::sns::testing {
namespace {

using TopicsTest = SnsTest;

TEST_F(TopicsTest, CreateGetListDelete) {
  auto arn = create_topic("orders");
  EXPECT_EQ(arn, "arn:aws:sns:us-east-1:123456789012:orders");
  // Idempotent.
  EXPECT_EQ(create_topic("orders"), arn);

  auto attributes = ok("GetTopicAttributes", {{"TopicArn", arn}})["Attributes"].as_object();
  EXPECT_EQ(attributes["TopicArn"].as_string(), arn);
  EXPECT_EQ(attributes["Owner"].as_string(), kAccount);
  EXPECT_EQ(attributes["SubscriptionsConfirmed"].as_string(), "0");
  EXPECT_EQ(attributes["SubscriptionsPending"].as_string(), "0");
  EXPECT_EQ(attributes["SubscriptionsDeleted"].as_string(), "0");
  EXPECT_EQ(attributes["DisplayName"].as_string(), "");
  EXPECT_EQ(attributes["MaximumMessageSize"].as_string(), "262144");
  EXPECT_FALSE(attributes.contains("FifoTopic"));
  auto policy = json::parse(attributes["Policy"].as_string()).as_object();
  EXPECT_EQ(policy["Statement"].as_array()[0].as_object()["Resource"].as_string(), arn);
  auto effective = json::parse(attributes["EffectiveDeliveryPolicy"].as_string()).as_object();
  EXPECT_EQ(effective["http"].as_object()["defaultHealthyRetryPolicy"].as_object()["numRetries"].as_int64(),
            3);
  EXPECT_EQ(
      effective["http"].as_object()["defaultHealthyRetryPolicy"].as_object()["minDelayTarget"].as_int64(),
      20);

  auto listed = ok("ListTopics", {})["Topics"].as_array();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].as_object().at("TopicArn").as_string(), arn);

  ok("DeleteTopic", {{"TopicArn", arn}});
  EXPECT_TRUE(ok("ListTopics", {})["Topics"].as_array().empty());
  ok("DeleteTopic", {{"TopicArn", arn}});  // idempotent
  auto e = error("GetTopicAttributes", {{"TopicArn", arn}});
  EXPECT_EQ(e.code, "NotFoundException");
  EXPECT_EQ(e.http_status, 404);
  EXPECT_EQ(e.message, "Topic does not exist");
}

TEST_F(TopicsTest, NamesAndFifo) {
  EXPECT_EQ(error("CreateTopic", {{"Name", "bad name"}}).message, "Invalid parameter: Topic Name");
  EXPECT_EQ(error("CreateTopic", {{"Name", std::string(257, 'a')}}).code, "InvalidParameterException");
  EXPECT_EQ(error("CreateTopic", {{"Name", "x.fifo"}}).message, "Invalid parameter: Topic Name");
  EXPECT_EQ(error("CreateTopic", {{"Name", "plain"}, {"Attributes", {{"FifoTopic", "true"}}}}).code,
            "InvalidParameterException");
  EXPECT_EQ(
      error("CreateTopic", {{"Name", "s"}, {"Attributes", {{"ContentBasedDeduplication", "true"}}}}).code,
      "InvalidParameterException");
  auto arn = create_topic("events.fifo", {{"FifoTopic", "true"}, {"ContentBasedDeduplication", "true"}});
  auto attributes = ok("GetTopicAttributes", {{"TopicArn", arn}})["Attributes"].as_object();
  EXPECT_EQ(attributes["FifoTopic"].as_string(), "true");
  EXPECT_EQ(attributes["ContentBasedDeduplication"].as_string(), "true");
  // FifoTopic cannot change after creation.
  EXPECT_EQ(error("SetTopicAttributes",
                  {{"TopicArn", arn}, {"AttributeName", "FifoTopic"}, {"AttributeValue", "false"}})
                .message,
            "Invalid parameter: AttributeName");
}

TEST_F(TopicsTest, CreateWithDifferentAttributesFails) {
  create_topic("t", {{"DisplayName", "one"}});
  EXPECT_EQ(create_topic("t", {{"DisplayName", "one"}}), "arn:aws:sns:us-east-1:123456789012:t");
  auto e = error("CreateTopic", {{"Name", "t"}, {"Attributes", {{"DisplayName", "two"}}}});
  EXPECT_EQ(e.message,
            "Invalid parameter: Attributes Reason: Topic already exists with different attributes");
}

TEST_F(TopicsTest, SetAttributes) {
  auto arn = create_topic("t");
  ok("SetTopicAttributes",
     {{"TopicArn", arn}, {"AttributeName", "DisplayName"}, {"AttributeValue", "Orders"}});
  ok("SetTopicAttributes",
     {{"TopicArn", arn}, {"AttributeName", "SignatureVersion"}, {"AttributeValue", "2"}});
  ok("SetTopicAttributes",
     {{"TopicArn", arn}, {"AttributeName", "MaximumMessageSize"}, {"AttributeValue", "1048576"}});
  ok("SetTopicAttributes",
     {{"TopicArn", arn},
      {"AttributeName", "DeliveryPolicy"},
      {"AttributeValue",
       R"({"http":{"defaultHealthyRetryPolicy":{"minDelayTarget":1,"maxDelayTarget":5,"numRetries":2}}})"}});
  auto attributes = ok("GetTopicAttributes", {{"TopicArn", arn}})["Attributes"].as_object();
  EXPECT_EQ(attributes["DisplayName"].as_string(), "Orders");
  EXPECT_EQ(attributes["SignatureVersion"].as_string(), "2");
  EXPECT_EQ(attributes["MaximumMessageSize"].as_string(), "1048576");
  auto effective = json::parse(attributes["EffectiveDeliveryPolicy"].as_string()).as_object();
  EXPECT_EQ(effective["http"].as_object()["defaultHealthyRetryPolicy"].as_object()["numRetries"].as_int64(),
            2);

  auto bad = [&](const char* name, const char* value) {
    return error("SetTopicAttributes",
                 {{"TopicArn", arn}, {"AttributeName", name}, {"AttributeValue", value}});
  };
  EXPECT_EQ(bad("SignatureVersion", "3").message, "Invalid parameter: SignatureVersion");
  EXPECT_EQ(bad("MaximumMessageSize", "1048577").code, "InvalidParameterException");
  EXPECT_EQ(bad("MaximumMessageSize", "1023").code, "InvalidParameterException");
  EXPECT_EQ(bad("Nope", "x").message, "Invalid parameter: AttributeName");
  EXPECT_EQ(bad("Policy", "{not json").code, "InvalidParameterException");
  EXPECT_EQ(bad("DeliveryPolicy", R"({"http":{"defaultHealthyRetryPolicy":{"minDelayTarget":0}}})").code,
            "InvalidParameterException");
  EXPECT_EQ(bad("DeliveryPolicy", R"({"http":{"defaultHealthyRetryPolicy":{"numRetries":101}}})").code,
            "InvalidParameterException");
  EXPECT_EQ(error("SetTopicAttributes", {{"TopicArn", "arn:aws:sns:us-east-1:123456789012:missing"},
                                         {"AttributeName", "DisplayName"},
                                         {"AttributeValue", "x"}})
                .code,
            "NotFoundException");
  EXPECT_EQ(error("GetTopicAttributes", {{"TopicArn", "not-an-arn"}}).message, "Invalid parameter: TopicArn");
}

TEST_F(TopicsTest, ListTopicsPages) {
  for (int i = 0; i < 205; ++i) create_topic("t" + std::to_string(1000 + i));
  std::set<std::string> seen;
  std::string token;
  int pages = 0;
  do {
    json::object input;
    if (!token.empty()) input["NextToken"] = token;
    auto out = ok("ListTopics", std::move(input));
    for (const auto& t : out["Topics"].as_array())
      seen.insert(std::string(t.as_object().at("TopicArn").as_string()));
    EXPECT_LE(out["Topics"].as_array().size(), 100u);
    token = out.contains("NextToken") ? std::string(out["NextToken"].as_string()) : "";
    ++pages;
  } while (!token.empty());
  EXPECT_EQ(seen.size(), 205u);
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(error("ListTopics", {{"NextToken", "garbage"}}).code, "InvalidParameterException");
  // Other accounts see their own topics only.
  EXPECT_TRUE(ok("ListTopics", {}, context_for(kOtherAccount))["Topics"].as_array().empty());
}

TEST_F(TopicsTest, Tags) {
  auto arn = create_topic("t");
  ok("TagResource", {{"ResourceArn", arn},
                     {"Tags", json::array{json::object{{"Key", "team"}, {"Value", "a"}},
                                          json::object{{"Key", "env"}, {"Value", "dev"}}}}});
  ok("TagResource",
     {{"ResourceArn", arn}, {"Tags", json::array{json::object{{"Key", "team"}, {"Value", "b"}}}}});
  auto tags = ok("ListTagsForResource", {{"ResourceArn", arn}})["Tags"].as_array();
  ASSERT_EQ(tags.size(), 2u);
  EXPECT_EQ(tags[0].as_object().at("Key").as_string(), "team");
  EXPECT_EQ(tags[0].as_object().at("Value").as_string(), "b");
  ok("UntagResource", {{"ResourceArn", arn}, {"TagKeys", json::array{"team"}}});
  EXPECT_EQ(ok("ListTagsForResource", {{"ResourceArn", arn}})["Tags"].as_array().size(), 1u);

  json::array many;
  for (int i = 0; i < 50; ++i) many.push_back(json::object{{"Key", "k" + std::to_string(i)}, {"Value", "v"}});
  auto e = error("TagResource", {{"ResourceArn", arn}, {"Tags", many}});
  EXPECT_EQ(e.code, "TagLimitExceededException");
  EXPECT_EQ(error("ListTagsForResource", {{"ResourceArn", "arn:aws:sns:us-east-1:123456789012:nope"}}).code,
            "ResourceNotFoundException");
  // Tags at creation.
  auto tagged = std::string(
      ok("CreateTopic",
         {{"Name", "tagged"}, {"Tags", json::array{json::object{{"Key", "a"}, {"Value", "1"}}}}})["TopicArn"]
          .as_string());
  EXPECT_EQ(ok("ListTagsForResource", {{"ResourceArn", tagged}})["Tags"].as_array().size(), 1u);
  EXPECT_EQ(error("CreateTopic",
                  {{"Name", "tagged"}, {"Tags", json::array{json::object{{"Key", "a"}, {"Value", "2"}}}}})
                .message,
            "Invalid parameter: Tags Reason: Topic already exists with different tags");
}

TEST_F(TopicsTest, CrossAccountNeedsPolicy) {
  auto arn = create_topic("shared");
  auto other = context_for(kOtherAccount);
  auto e = error("Publish", {{"TopicArn", arn}, {"Message", "hi"}}, other);
  EXPECT_EQ(e.code, "AuthorizationErrorException");
  EXPECT_EQ(e.http_status, 403);
  ok("AddPermission", {{"TopicArn", arn},
                       {"Label", "let-other-publish"},
                       {"AWSAccountId", json::array{kOtherAccount}},
                       {"ActionName", json::array{"Publish"}}});
  ok("Publish", {{"TopicArn", arn}, {"Message", "hi"}}, other);
  EXPECT_EQ(error("GetTopicAttributes", {{"TopicArn", arn}}, other).code, "AuthorizationErrorException");
  EXPECT_EQ(error("AddPermission", {{"TopicArn", arn},
                                    {"Label", "let-other-publish"},
                                    {"AWSAccountId", json::array{kOtherAccount}},
                                    {"ActionName", json::array{"Publish"}}})
                .code,
            "InvalidParameterException");
  ok("RemovePermission", {{"TopicArn", arn}, {"Label", "let-other-publish"}});
  EXPECT_EQ(error("Publish", {{"TopicArn", arn}, {"Message", "hi"}}, other).code,
            "AuthorizationErrorException");
}

TEST_F(TopicsTest, DataProtectionPolicyIsStored) {
  auto arn = create_topic("t");
  EXPECT_FALSE(ok("GetDataProtectionPolicy", {{"ResourceArn", arn}}).contains("DataProtectionPolicy"));
  const std::string policy = R"({"Name":"p","Version":"2021-06-01","Statement":[]})";
  ok("PutDataProtectionPolicy", {{"ResourceArn", arn}, {"DataProtectionPolicy", policy}});
  EXPECT_EQ(ok("GetDataProtectionPolicy", {{"ResourceArn", arn}})["DataProtectionPolicy"].as_string(),
            policy);
  EXPECT_EQ(error("PutDataProtectionPolicy", {{"ResourceArn", arn}, {"DataProtectionPolicy", "nope"}}).code,
            "InvalidParameterException");
}

TEST_F(TopicsTest, SmsAndPlatformOperations) {
  ok("SetSMSAttributes", {{"attributes", {{"DefaultSMSType", "Transactional"}, {"MonthlySpendLimit", "5"}}}});
  auto sms = ok("GetSMSAttributes", {})["attributes"].as_object();
  EXPECT_EQ(sms["DefaultSMSType"].as_string(), "Transactional");
  EXPECT_EQ(ok("GetSMSAttributes", {{"attributes", json::array{"MonthlySpendLimit"}}})["attributes"]
                .as_object()
                .size(),
            1u);
  EXPECT_EQ(error("SetSMSAttributes", {{"attributes", {{"DefaultSMSType", "Loud"}}}}).code,
            "InvalidParameterException");
  EXPECT_FALSE(ok("CheckIfPhoneNumberIsOptedOut", {{"phoneNumber", "+15555550100"}})["isOptedOut"].as_bool());
  EXPECT_TRUE(ok("ListPhoneNumbersOptedOut", {})["phoneNumbers"].as_array().empty());
  EXPECT_TRUE(ok("ListPlatformApplications", {})["PlatformApplications"].as_array().empty());
  EXPECT_EQ(error("CreatePlatformApplication",
                  {{"Name", "app"}, {"Platform", "GCM"}, {"Attributes", json::object{}}})
                .code,
            "InvalidParameterException");
  EXPECT_EQ(error("GetEndpointAttributes",
                  {{"EndpointArn", "arn:aws:sns:us-east-1:123456789012:endpoint/GCM/app/x"}})
                .code,
            "NotFoundException");
  auto topic = create_topic("t");
  EXPECT_EQ(error("Publish", {{"PhoneNumber", "+15555550100"}, {"Message", "hi"}}).code,
            "InvalidParameterException");
}

TEST_F(TopicsTest, UnknownOperation) { EXPECT_EQ(error("Frobnicate", {}).code, "InvalidAction"); }

}  // namespace
}  // namespace fanout::services::sns::testing
