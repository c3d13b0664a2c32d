// Queue-level operations: creation rules, attributes, listing, tags, permissions, purge, delete,
// account isolation.
#include "common/crypto.h"
#include "services/sqs/message_attributes.h"
#include "sqs_fixture.h"

namespace fanout::services::sqs::testing {
namespace {

class SqsQueues : public SqsTest {};

TEST_F(SqsQueues, CreateReturnsUrlFromTheRequestHost) {
  auto url = create("orders");
  EXPECT_EQ(url, "http://localhost:4566/123456789012/orders");
  EXPECT_EQ(arn_of(url), "arn:aws:sqs:us-east-1:123456789012:orders");
  auto out = ok("GetQueueUrl", {{"QueueName", "orders"}});
  EXPECT_EQ(out.at("QueueUrl").as_string(), url);
}

TEST_F(SqsQueues, AnyAwsStyleUrlResolvesByAccountAndName) {
  create("orders");
  send("https://sqs.us-east-1.amazonaws.com/123456789012/orders", "a");
  send("http://127.0.0.1:4566/123456789012/orders?x=1", "b");
  EXPECT_EQ(receive("http://localhost:4566/123456789012/orders", {{"MaxNumberOfMessages", 10}}).size(), 2u);
  EXPECT_EQ(
      error("SendMessage", {{"QueueUrl", "http://localhost:4566/123456789012/nope"}, {"MessageBody", "x"}})
          .code,
      "QueueDoesNotExist");
}

TEST_F(SqsQueues, CreateIsIdempotentForSameAttributes) {
  auto first = create("idem", {{"VisibilityTimeout", "60"}});
  EXPECT_EQ(create("idem", {{"VisibilityTimeout", "60"}}), first);
  EXPECT_EQ(create("idem"), first);  // no attributes: nothing differs
  auto e = error("CreateQueue", {{"QueueName", "idem"}, {"Attributes", {{"VisibilityTimeout", "61"}}}});
  EXPECT_EQ(e.code, "QueueNameExists");
  EXPECT_NE(e.message.find("VisibilityTimeout"), std::string::npos);
  // Defaults count as the existing values.
  EXPECT_EQ(create("idem", {{"DelaySeconds", "0"}}), first);
}

TEST_F(SqsQueues, DeletedNameIsBlockedFor60Seconds) {
  auto url = create("gone");
  ok("DeleteQueue", {{"QueueUrl", url}});
  EXPECT_EQ(error("GetQueueUrl", {{"QueueName", "gone"}}).code, "QueueDoesNotExist");
  EXPECT_EQ(error("CreateQueue", {{"QueueName", "gone"}}).code, "QueueDeletedRecently");
  clock_.advance_ms(61'000);
  EXPECT_EQ(create("gone"), url);
  EXPECT_EQ(attribute(url, "ApproximateNumberOfMessages"), "0");
}

TEST_F(SqsQueues, NameRules) {
  EXPECT_EQ(error("CreateQueue", {{"QueueName", "has space"}}).code, "InvalidParameterValue");
  EXPECT_EQ(error("CreateQueue", {{"QueueName", std::string(81, 'a')}}).code, "InvalidParameterValue");
  create(std::string(80, 'a'));
  create("A-z_09");
  EXPECT_EQ(error("CreateQueue", {{"QueueName", "plain.fifo"}}).code, "InvalidParameterValue");
  EXPECT_EQ(error("CreateQueue", {{"QueueName", "nofifo"}, {"Attributes", {{"FifoQueue", "true"}}}}).code,
            "InvalidParameterValue");
  EXPECT_EQ(error("CreateQueue",
                  {{"QueueName", std::string(76, 'a') + ".fifo"}, {"Attributes", {{"FifoQueue", "true"}}}})
                .code,
            "InvalidParameterValue");
  create_fifo(std::string(75, 'a') + ".fifo");
  EXPECT_EQ(error("CreateQueue", {{"QueueName", ""}}).code, "MissingParameter");
}

TEST_F(SqsQueues, AttributeValidation) {
  EXPECT_EQ(error("CreateQueue", {{"QueueName", "q"}, {"Attributes", {{"VisibilityTimeout", "43201"}}}}).code,
            "InvalidAttributeValue");
  EXPECT_EQ(error("CreateQueue", {{"QueueName", "q"}, {"Attributes", {{"DelaySeconds", "-1"}}}}).code,
            "InvalidAttributeValue");
  EXPECT_EQ(error("CreateQueue", {{"QueueName", "q"}, {"Attributes", {{"MaximumMessageSize", "1023"}}}}).code,
            "InvalidAttributeValue");
  EXPECT_EQ(
      error("CreateQueue", {{"QueueName", "q"}, {"Attributes", {{"MessageRetentionPeriod", "59"}}}}).code,
      "InvalidAttributeValue");
  EXPECT_EQ(
      error("CreateQueue", {{"QueueName", "q"}, {"Attributes", {{"ReceiveMessageWaitTimeSeconds", "21"}}}})
          .code,
      "InvalidAttributeValue");
  EXPECT_EQ(error("CreateQueue", {{"QueueName", "q"}, {"Attributes", {{"VisibilityTimeout", "abc"}}}}).code,
            "InvalidAttributeValue");
  EXPECT_EQ(error("CreateQueue", {{"QueueName", "q"}, {"Attributes", {{"Bogus", "1"}}}}).code,
            "InvalidAttributeName");
  EXPECT_EQ(
      error("CreateQueue", {{"QueueName", "q"}, {"Attributes", {{"ContentBasedDeduplication", "true"}}}})
          .code,
      "InvalidAttributeName");
  EXPECT_EQ(error("CreateQueue", {{"QueueName", "q"}, {"Attributes", {{"Policy", "{not json"}}}}).code,
            "InvalidAttributeValue");
  EXPECT_EQ(error("CreateQueue", {{"QueueName", "q"}, {"Attributes", {{"RedrivePolicy", "{}"}}}}).code,
            "InvalidParameterValue");
  auto url = create("q", {{"MaximumMessageSize", "1048576"}});
  EXPECT_EQ(error("SetQueueAttributes", {{"QueueUrl", url}, {"Attributes", {{"QueueArn", "x"}}}}).code,
            "InvalidAttributeName");
  EXPECT_EQ(error("SetQueueAttributes", {{"QueueUrl", url}, {"Attributes", {{"FifoQueue", "true"}}}}).code,
            "InvalidAttributeName");
  EXPECT_EQ(error("GetQueueAttributes", {{"QueueUrl", url}, {"AttributeNames", json::array{"Nope"}}}).code,
            "InvalidAttributeName");
}

TEST_F(SqsQueues, DefaultsAndAllAttributes) {
  const auto created = clock_.now_ms() / 1000;
  auto url = create("defaults");
  auto out = ok("GetQueueAttributes", {{"QueueUrl", url}, {"AttributeNames", json::array{"All"}}});
  const auto& a = out.at("Attributes").as_object();
  EXPECT_EQ(a.at("VisibilityTimeout").as_string(), "30");
  EXPECT_EQ(a.at("MaximumMessageSize").as_string(), "1048576");
  EXPECT_EQ(a.at("MessageRetentionPeriod").as_string(), "345600");
  EXPECT_EQ(a.at("DelaySeconds").as_string(), "0");
  EXPECT_EQ(a.at("ReceiveMessageWaitTimeSeconds").as_string(), "0");
  EXPECT_EQ(a.at("SqsManagedSseEnabled").as_string(), "true");
  EXPECT_EQ(a.at("ApproximateNumberOfMessages").as_string(), "0");
  EXPECT_EQ(a.at("ApproximateNumberOfMessagesNotVisible").as_string(), "0");
  EXPECT_EQ(a.at("ApproximateNumberOfMessagesDelayed").as_string(), "0");
  EXPECT_EQ(a.at("CreatedTimestamp").as_string(), std::to_string(created));
  EXPECT_EQ(a.at("LastModifiedTimestamp").as_string(), std::to_string(created));
  EXPECT_EQ(a.at("QueueArn").as_string(), "arn:aws:sqs:us-east-1:123456789012:defaults");
  EXPECT_FALSE(a.contains("FifoQueue"));
  EXPECT_FALSE(a.contains("Policy"));
  EXPECT_FALSE(a.contains("RedrivePolicy"));

  auto fifo = create_fifo("defaults.fifo");
  auto f =
      ok("GetQueueAttributes", {{"QueueUrl", fifo}, {"AttributeNames", json::array{"All"}}}).at("Attributes");
  EXPECT_EQ(f.at("FifoQueue").as_string(), "true");
  EXPECT_EQ(f.at("ContentBasedDeduplication").as_string(), "false");
  EXPECT_EQ(f.at("DeduplicationScope").as_string(), "queue");
  EXPECT_EQ(f.at("FifoThroughputLimit").as_string(), "perQueue");
  // No names: no attributes.
  EXPECT_FALSE(ok("GetQueueAttributes", {{"QueueUrl", url}}).contains("Attributes"));
}

TEST_F(SqsQueues, SetQueueAttributesAndKms) {
  auto url = create("settable");
  clock_.advance_ms(5000);
  ok("SetQueueAttributes",
     {{"QueueUrl", url},
      {"Attributes",
       {{"VisibilityTimeout", "45"}, {"KmsMasterKeyId", "alias/aws/sqs"}, {"DelaySeconds", "5"}}}});
  EXPECT_EQ(attribute(url, "VisibilityTimeout"), "45");
  EXPECT_EQ(attribute(url, "KmsMasterKeyId"), "alias/aws/sqs");
  EXPECT_EQ(attribute(url, "KmsDataKeyReusePeriodSeconds"), "300");
  EXPECT_EQ(attribute(url, "SqsManagedSseEnabled"), "false");
  EXPECT_EQ(attribute(url, "LastModifiedTimestamp"), std::to_string(clock_.now_ms() / 1000));
  ok("SetQueueAttributes", {{"QueueUrl", url}, {"Attributes", {{"SqsManagedSseEnabled", "true"}}}});
  EXPECT_EQ(attribute(url, "KmsMasterKeyId"), "<absent>");
  auto fifo = create_fifo("hi.fifo");
  EXPECT_EQ(error("SetQueueAttributes",
                  {{"QueueUrl", fifo}, {"Attributes", {{"FifoThroughputLimit", "perMessageGroupId"}}}})
                .code,
            "InvalidAttributeValue");
  ok("SetQueueAttributes",
     {{"QueueUrl", fifo},
      {"Attributes",
       {{"DeduplicationScope", "messageGroup"}, {"FifoThroughputLimit", "perMessageGroupId"}}}});
  EXPECT_EQ(attribute(fifo, "FifoThroughputLimit"), "perMessageGroupId");
}

TEST_F(SqsQueues, ListQueuesWithPrefixAndPagination) {
  for (auto name : {"b-1", "a-1", "a-2", "a-3", "c"}) create(name);
  auto all = ok("ListQueues", {});
  EXPECT_EQ(all.at("QueueUrls").as_array().size(), 5u);
  EXPECT_FALSE(all.contains("NextToken"));
  auto prefixed = ok("ListQueues", {{"QueueNamePrefix", "a-"}});
  ASSERT_EQ(prefixed.at("QueueUrls").as_array().size(), 3u);
  EXPECT_EQ(prefixed.at("QueueUrls").as_array()[0].as_string(), "http://localhost:4566/123456789012/a-1");

  auto page1 = ok("ListQueues", {{"QueueNamePrefix", "a-"}, {"MaxResults", 2}});
  ASSERT_EQ(page1.at("QueueUrls").as_array().size(), 2u);
  ASSERT_TRUE(page1.contains("NextToken"));
  auto page2 =
      ok("ListQueues", {{"QueueNamePrefix", "a-"}, {"MaxResults", 2}, {"NextToken", page1.at("NextToken")}});
  ASSERT_EQ(page2.at("QueueUrls").as_array().size(), 1u);
  EXPECT_EQ(page2.at("QueueUrls").as_array()[0].as_string(), "http://localhost:4566/123456789012/a-3");
  EXPECT_FALSE(page2.contains("NextToken"));
  EXPECT_EQ(error("ListQueues", {{"MaxResults", 0}}).code, "InvalidParameterValue");
  EXPECT_EQ(error("ListQueues", {{"NextToken", "garbage!"}}).code, "InvalidParameterValue");
  EXPECT_FALSE(ok("ListQueues", {{"QueueNamePrefix", "zzz"}}).contains("QueueUrls"));
}

TEST_F(SqsQueues, Tags) {
  auto url = create("tagged", {});
  ok("TagQueue", {{"QueueUrl", url}, {"Tags", {{"team", "orders"}, {"env", "dev"}}}});
  auto tags = ok("ListQueueTags", {{"QueueUrl", url}}).at("Tags").as_object();
  EXPECT_EQ(tags.size(), 2u);
  EXPECT_EQ(tags.at("team").as_string(), "orders");
  ok("UntagQueue", {{"QueueUrl", url}, {"TagKeys", json::array{"env"}}});
  EXPECT_EQ(ok("ListQueueTags", {{"QueueUrl", url}}).at("Tags").as_object().size(), 1u);
  json::object many;
  for (int i = 0; i < 50; ++i) many["k" + std::to_string(i)] = "v";
  EXPECT_EQ(error("TagQueue", {{"QueueUrl", url}, {"Tags", many}}).code, "InvalidParameterValue");
  ok("UntagQueue", {{"QueueUrl", url}, {"TagKeys", json::array{"team"}}});
  ok("TagQueue", {{"QueueUrl", url}, {"Tags", many}});
  EXPECT_FALSE(ok("ListQueueTags", {{"QueueUrl", create("untagged")}}).contains("Tags"));
  // Tags on create.
  auto with = ok("CreateQueue", {{"QueueName", "born-tagged"}, {"tags", {{"a", "b"}}}});
  EXPECT_EQ(ok("ListQueueTags", {{"QueueUrl", with.at("QueueUrl")}}).at("Tags").at("a").as_string(), "b");
}

TEST_F(SqsQueues, PurgeOncePerMinute) {
  auto url = create("purgeable");
  for (int i = 0; i < 3; ++i) send(url, "m" + std::to_string(i));
  ASSERT_EQ(receive(url).size(), 1u);  // one in flight: purged too
  ok("PurgeQueue", {{"QueueUrl", url}});
  EXPECT_EQ(attribute(url, "ApproximateNumberOfMessages"), "0");
  EXPECT_EQ(attribute(url, "ApproximateNumberOfMessagesNotVisible"), "0");
  EXPECT_EQ(error("PurgeQueue", {{"QueueUrl", url}}).code, "PurgeQueueInProgress");
  send(url, "after");
  EXPECT_EQ(bodies(receive(url)), std::vector<std::string>{"after"});
  clock_.advance_ms(60'000);
  ok("PurgeQueue", {{"QueueUrl", url}});
}

TEST_F(SqsQueues, DeleteQueueRemovesEverything) {
  auto url = create("doomed");
  send(url, "x");
  ok("DeleteQueue", {{"QueueUrl", url}});
  EXPECT_EQ(error("SendMessage", {{"QueueUrl", url}, {"MessageBody", "x"}}).code, "QueueDoesNotExist");
  EXPECT_EQ(error("ReceiveMessage", {{"QueueUrl", url}}).code, "QueueDoesNotExist");
  EXPECT_EQ(error("DeleteQueue", {{"QueueUrl", url}}).code, "QueueDoesNotExist");
  EXPECT_FALSE(ok("ListQueues", {}).contains("QueueUrls"));
}

TEST_F(SqsQueues, AccountsAreIsolated) {
  auto other = context_for(kOtherAccount);
  auto mine = create("shared-name");
  auto theirs = ok("CreateQueue", {{"QueueName", "shared-name"}}, other).at("QueueUrl");
  EXPECT_EQ(theirs.as_string(), "http://localhost:4566/210987654321/shared-name");
  send(mine, "mine");
  EXPECT_TRUE(ok("ReceiveMessage", {{"QueueUrl", theirs}}, other).empty());
  // Their view of my queue: it does not exist.
  EXPECT_EQ(error("SendMessage", {{"QueueUrl", mine}, {"MessageBody", "x"}}, other).code,
            "QueueDoesNotExist");
  EXPECT_EQ(
      error("GetQueueUrl", {{"QueueName", "shared-name"}, {"QueueOwnerAWSAccountId", kAccount}}, other).code,
      "QueueDoesNotExist");
  EXPECT_EQ(ok("ListQueues", {}, other).at("QueueUrls").as_array().size(), 1u);
}

TEST_F(SqsQueues, AddPermissionGrantsAnotherAccount) {
  auto other = context_for(kOtherAccount);
  auto url = create("granted");
  ok("AddPermission", {{"QueueUrl", url},
                       {"Label", "AllowSend"},
                       {"AWSAccountIds", json::array{kOtherAccount}},
                       {"Actions", json::array{"SendMessage", "GetQueueUrl"}}});
  auto policy = attribute(url, "Policy");
  EXPECT_NE(policy.find("arn:aws:iam::210987654321:root"), std::string::npos);
  EXPECT_NE(policy.find("SQS:SendMessage"), std::string::npos);

  EXPECT_EQ(ok("GetQueueUrl", {{"QueueName", "granted"}, {"QueueOwnerAWSAccountId", kAccount}}, other)
                .at("QueueUrl")
                .as_string(),
            url);
  ok("SendMessage", {{"QueueUrl", url}, {"MessageBody", "from-other"}}, other);
  ok("SendMessageBatch", {{"QueueUrl", url}, {"Entries", json::array{{{"Id", "a"}, {"MessageBody", "b"}}}}},
     other);
  // Only what was granted.
  EXPECT_EQ(error("ReceiveMessage", {{"QueueUrl", url}}, other).code, "QueueDoesNotExist");
  EXPECT_EQ(
      error("SetQueueAttributes", {{"QueueUrl", url}, {"Attributes", {{"DelaySeconds", "1"}}}}, other).code,
      "QueueDoesNotExist");
  EXPECT_EQ(receive(url, {{"MaxNumberOfMessages", 10}}).size(), 2u);

  EXPECT_EQ(error("AddPermission", {{"QueueUrl", url},
                                    {"Label", "AllowSend"},
                                    {"AWSAccountIds", json::array{kOtherAccount}},
                                    {"Actions", json::array{"ReceiveMessage"}}})
                .code,
            "InvalidParameterValue");
  EXPECT_EQ(error("AddPermission", {{"QueueUrl", url},
                                    {"Label", "Eight"},
                                    {"AWSAccountIds", json::array{kOtherAccount}},
                                    {"Actions", json::array{"SendMessage", "ReceiveMessage", "DeleteMessage",
                                                            "ChangeMessageVisibility", "GetQueueAttributes",
                                                            "GetQueueUrl", "PurgeQueue", "ListQueueTags"}}})
                .code,
            "OverLimit");

  ok("RemovePermission", {{"QueueUrl", url}, {"Label", "AllowSend"}});
  EXPECT_EQ(attribute(url, "Policy"), "<absent>");
  EXPECT_EQ(error("SendMessage", {{"QueueUrl", url}, {"MessageBody", "x"}}, other).code, "QueueDoesNotExist");
  EXPECT_EQ(error("RemovePermission", {{"QueueUrl", url}, {"Label", "AllowSend"}}).code,
            "InvalidParameterValue");
}

TEST_F(SqsQueues, PolicyWithConditionsForServicePrincipal) {
  auto url = create("subscribed");
  const std::string topic = "arn:aws:sns:us-east-1:210987654321:created-consumer";
  const std::string policy = R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow",
    "Principal":{"Service":"sns.amazonaws.com"},"Action":"sqs:SendMessage","Resource":"*",
    "Condition":{"ArnEquals":{"aws:SourceArn":")" +
                             topic + R"("}}}]})";
  ok("SetQueueAttributes", {{"QueueUrl", url}, {"Attributes", {{"Policy", policy}}}});

  SendCaller sns{kOtherAccount, "AIDASNS", "sns.amazonaws.com", topic, kOtherAccount};
  SendRequest request;
  request.body = "event";
  std::promise<SendOutcome> promise;
  engine_->enqueue(sns, arn_of(url), request,
                   [&](SendOutcome outcome) { promise.set_value(std::move(outcome)); });
  auto outcome = promise.get_future().get();
  ASSERT_TRUE(std::holds_alternative<SendResult>(outcome)) << std::get<ServiceError>(outcome).message;

  SendCaller wrong_topic = sns;
  wrong_topic.source_arn = "arn:aws:sns:us-east-1:210987654321:other";
  std::promise<SendOutcome> denied;
  engine_->enqueue(wrong_topic, arn_of(url), request, [&](SendOutcome o) { denied.set_value(std::move(o)); });
  auto refused = denied.get_future().get();
  ASSERT_TRUE(std::holds_alternative<ServiceError>(refused));
  EXPECT_EQ(std::get<ServiceError>(refused).code, "QueueDoesNotExist");
  EXPECT_EQ(bodies(receive(url, {{"MaxNumberOfMessages", 10}})), std::vector<std::string>{"event"});
}

TEST_F(SqsQueues, StagedSendsShareTheCallersBatch) {
  auto a = create("fan-a");
  auto b = create("fan-b");
  SendCaller caller{kAccount, "", "", "", ""};
  store::Batch batch;
  batch.put("sqs_state", "test/publish-record", "x");  // the caller's own write, same batch
  StagedSends staged;
  SendRequest request;
  request.body = "fanned";
  request.attributes = {{"event_type", "String", "consumer.created"}};
  const auto first = engine_->stage_send(caller, arn_of(a), request, batch, staged);
  ASSERT_TRUE(std::holds_alternative<SendResult>(first));
  // The body's MD5 is stored for receives; the attribute checksums only SendMessage answers with
  // are not computed for the typed API's callers.
  EXPECT_EQ(std::get<SendResult>(first).md5_of_body, crypto::hex(crypto::md5("fanned")));
  EXPECT_EQ(std::get<SendResult>(first).md5_of_attributes, "");
  ASSERT_TRUE(std::holds_alternative<SendResult>(engine_->stage_send(caller, b, request, batch, staged)));
  auto missing = engine_->stage_send(caller, "123456789012/nope", request, batch, staged);
  ASSERT_TRUE(std::holds_alternative<ServiceError>(missing));
  EXPECT_EQ(staged.size(), 2u);
  EXPECT_TRUE(receive(a).empty());  // not visible before the batch is durable
  auto status = store_->write(std::move(batch));
  ASSERT_TRUE(status.ok);
  engine_->finish_staged(std::move(staged), status);
  const auto received = receive(a, {{"MessageAttributeNames", json::array{"All"}}});
  EXPECT_EQ(bodies(received), std::vector<std::string>{"fanned"});
  EXPECT_EQ(received.at(0).at("MD5OfMessageAttributes").as_string(), md5_of_attributes(request.attributes));
  EXPECT_EQ(bodies(receive(b)), std::vector<std::string>{"fanned"});
  EXPECT_EQ(engine_->queue_arn(a), "arn:aws:sqs:us-east-1:123456789012:fan-a");
  EXPECT_FALSE(engine_->queue_arn("arn:aws:sqs:us-east-1:123456789012:nope"));
}

TEST_F(SqsQueues, MetricsListQueueDepths) {
  auto url = create("metered");
  send(url, "x");
  auto text = engine_->prometheus_metrics();
  EXPECT_NE(text.find("fanout_sqs_queues 1"), std::string::npos);
  EXPECT_NE(text.find(R"(fanout_sqs_messages{account="123456789012",queue="metered",state="visible"} 1)"),
            std::string::npos);
}

TEST_F(SqsQueues, ResetForgetsEverything) {
  auto url = create("transient");
  send(url, "x");
  engine_->reset();
  EXPECT_EQ(error("GetQueueUrl", {{"QueueName", "transient"}}).code, "QueueDoesNotExist");
  EXPECT_EQ(create("transient"), url);
  EXPECT_TRUE(receive(url).empty());
}

}  // namespace
}  // namespace fanout::services::sqs::testing
