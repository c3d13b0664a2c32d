// Batch operations: per-entry results and every whole-request batch error.
#include "sqs_fixture.h"

namespace fanout::services::sqs::testing {
namespace {

class SqsBatches : public SqsTest {};

json::object entry(const std::string& id, const std::string& body) {
  return {{"Id", id}, {"MessageBody", body}};
}

TEST_F(SqsBatches, SendBatchWithPartialFailures) {
  auto url = create("batch");
  auto out = ok("SendMessageBatch",
                {{"QueueUrl", url},
                 {"Entries",
                  json::array{entry("ok-1", "one"), entry("bad-chars", std::string("\x02", 1)),
                              json::object{{"Id", "bad-delay"}, {"MessageBody", "x"}, {"DelaySeconds", 1000}},
                              entry("ok-2", "two"), entry("empty", "")}}});
  const auto& successful = out.at("Successful").as_array();
  const auto& failed = out.at("Failed").as_array();
  ASSERT_EQ(successful.size(), 2u);
  ASSERT_EQ(failed.size(), 3u);
  EXPECT_EQ(successful[0].at("Id").as_string(), "ok-1");
  EXPECT_EQ(successful[0].at("MD5OfMessageBody").as_string(),
            "f97c5d29941bfb1b2fdab0874906ab82");  // md5("one")
  EXPECT_TRUE(successful[0].as_object().contains("MessageId"));
  EXPECT_EQ(failed[0].at("Id").as_string(), "bad-chars");
  EXPECT_EQ(failed[0].at("Code").as_string(), "InvalidMessageContents");
  EXPECT_EQ(failed[0].at("SenderFault").as_bool(), true);
  EXPECT_EQ(failed[1].at("Code").as_string(), "InvalidParameterValue");
  EXPECT_EQ(failed[2].at("Code").as_string(), "MissingParameter");
  EXPECT_EQ(bodies(receive(url, {{"MaxNumberOfMessages", 10}})), (std::vector<std::string>{"one", "two"}));
}

TEST_F(SqsBatches, WholeRequestErrors) {
  auto url = create("batch-errors");
  EXPECT_EQ(error("SendMessageBatch", {{"QueueUrl", url}, {"Entries", json::array{}}}).code,
            "EmptyBatchRequest");
  EXPECT_EQ(error("SendMessageBatch", {{"QueueUrl", url}}).code, "EmptyBatchRequest");
  json::array eleven;
  for (int i = 0; i < 11; ++i) eleven.push_back(entry("e" + std::to_string(i), "x"));
  EXPECT_EQ(error("SendMessageBatch", {{"QueueUrl", url}, {"Entries", eleven}}).code,
            "TooManyEntriesInBatchRequest");
  EXPECT_EQ(error("SendMessageBatch",
                  {{"QueueUrl", url}, {"Entries", json::array{entry("a", "x"), entry("a", "y")}}})
                .code,
            "BatchEntryIdsNotDistinct");
  EXPECT_EQ(
      error("SendMessageBatch", {{"QueueUrl", url}, {"Entries", json::array{entry("bad id", "x")}}}).code,
      "InvalidBatchEntryId");
  EXPECT_EQ(error("SendMessageBatch",
                  {{"QueueUrl", url}, {"Entries", json::array{entry(std::string(81, 'a'), "x")}}})
                .code,
            "InvalidBatchEntryId");
  // Ten messages of 110 KiB: each fits 1 MiB, together they do not.
  json::array large;
  for (int i = 0; i < 10; ++i)
    large.push_back(entry("l" + std::to_string(i), std::string(std::size_t{110} * 1024, 'x')));
  auto too_long = error("SendMessageBatch", {{"QueueUrl", url}, {"Entries", large}});
  EXPECT_EQ(too_long.code, "BatchRequestTooLong");
  EXPECT_EQ(attribute(url, "ApproximateNumberOfMessages"), "0");  // nothing stored

  json::array deletes{json::object{{"Id", "a"}, {"ReceiptHandle", "x"}},
                      json::object{{"Id", "a"}, {"ReceiptHandle", "y"}}};
  EXPECT_EQ(error("DeleteMessageBatch", {{"QueueUrl", url}, {"Entries", deletes}}).code,
            "BatchEntryIdsNotDistinct");
  EXPECT_EQ(error("DeleteMessageBatch", {{"QueueUrl", url}, {"Entries", json::array{}}}).code,
            "EmptyBatchRequest");
  EXPECT_EQ(error("ChangeMessageVisibilityBatch", {{"QueueUrl", url}, {"Entries", json::array{}}}).code,
            "EmptyBatchRequest");
  EXPECT_EQ(error("ChangeMessageVisibilityBatch",
                  {{"QueueUrl", url},
                   {"Entries", json::array{json::object{{"Id", "b@d"}, {"ReceiptHandle", "x"}}}}})
                .code,
            "InvalidBatchEntryId");
}

TEST_F(SqsBatches, DeleteAndChangeVisibilityBatches) {
  auto url = create("batch-handles");
  for (int i = 0; i < 3; ++i) send(url, std::to_string(i));
  auto got = receive(url, {{"MaxNumberOfMessages", 10}});
  ASSERT_EQ(got.size(), 3u);
  auto changed = ok(
      "ChangeMessageVisibilityBatch",
      {{"QueueUrl", url},
       {"Entries",
        json::array{
            json::object{
                {"Id", "a"}, {"ReceiptHandle", got[0].at("ReceiptHandle")}, {"VisibilityTimeout", 0}},
            json::object{{"Id", "b"}, {"ReceiptHandle", "forged"}, {"VisibilityTimeout", 0}},
            json::object{
                {"Id", "c"}, {"ReceiptHandle", got[1].at("ReceiptHandle")}, {"VisibilityTimeout", 99999}}}}});
  EXPECT_EQ(changed.at("Successful").as_array().size(), 1u);
  ASSERT_EQ(changed.at("Failed").as_array().size(), 2u);
  EXPECT_EQ(changed.at("Failed").as_array()[0].at("Code").as_string(), "ReceiptHandleIsInvalid");
  EXPECT_EQ(changed.at("Failed").as_array()[1].at("Code").as_string(), "InvalidParameterValue");
  EXPECT_EQ(attribute(url, "ApproximateNumberOfMessages"), "1");

  // Message 0 is visible again, not in flight.
  auto again = ok("ChangeMessageVisibilityBatch",
                  {{"QueueUrl", url},
                   {"Entries", json::array{json::object{{"Id", "a"},
                                                        {"ReceiptHandle", got[0].at("ReceiptHandle")},
                                                        {"VisibilityTimeout", 5}}}}});
  ASSERT_EQ(again.at("Failed").as_array().size(), 1u);
  EXPECT_EQ(again.at("Failed").as_array()[0].at("Code").as_string(),
            "AWS.SimpleQueueService.MessageNotInflight");

  auto deleted =
      ok("DeleteMessageBatch",
         {{"QueueUrl", url},
          {"Entries", json::array{json::object{{"Id", "x"}, {"ReceiptHandle", got[1].at("ReceiptHandle")}},
                                  json::object{{"Id", "y"}, {"ReceiptHandle", got[2].at("ReceiptHandle")}},
                                  json::object{{"Id", "z"}, {"ReceiptHandle", "bogus"}}}}});
  EXPECT_EQ(deleted.at("Successful").as_array().size(), 2u);
  ASSERT_EQ(deleted.at("Failed").as_array().size(), 1u);
  EXPECT_EQ(deleted.at("Failed").as_array()[0].at("Id").as_string(), "z");
  EXPECT_EQ(attribute(url, "ApproximateNumberOfMessagesNotVisible"), "0");
  EXPECT_EQ(attribute(url, "ApproximateNumberOfMessages"), "1");
}

}  // namespace
}  // namespace fanout::services::sqs::testing
