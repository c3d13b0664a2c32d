#include "protocol/json_codec.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "protocol/input_validation.h"

namespace fanout::protocol {
namespace json = boost::json;

TEST(JsonCodec, RejectsNonObjects) {
  EXPECT_TRUE(std::holds_alternative<ServiceError>(decode_json_input("[1]")));
  EXPECT_TRUE(std::holds_alternative<ServiceError>(decode_json_input("{")));
  EXPECT_TRUE(std::holds_alternative<json::object>(decode_json_input("")));
}

TEST(JsonCodec, QueryCompatibleErrorCarriesHeader) {
  const auto& sqs = ServiceModel::embedded("sqs");
  auto err =
      encode_json_error(&sqs, "QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue", "no", true);
  EXPECT_EQ(err.query_error_header, "AWS.SimpleQueueService.NonExistentQueue;Sender");
  EXPECT_EQ(json::parse(err.body).at("__type"), "com.amazonaws.sqs#QueueDoesNotExist");
}

TEST(JsonValidate, TypeErrors) {
  const auto& sqs = ServiceModel::embedded("sqs");
  const auto& shape = *sqs.operation("ReceiveMessage")->input;
  auto bad = json::parse(R"({"QueueUrl":"u","MaxNumberOfMessages":"ten"})").as_object();
  auto err = validate_input(sqs, shape, bad);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->code, "InvalidParameterValue");
  auto good = json::parse(R"({"QueueUrl":"u","MaxNumberOfMessages":10})").as_object();
  EXPECT_FALSE(validate_input(sqs, shape, good));
}

TEST(JsonValidate, DeepNestingIsBounded) {
  std::string deep(10000, '[');
  EXPECT_TRUE(std::holds_alternative<ServiceError>(decode_json_input("{\"a\":" + deep)));
}

}  // namespace fanout::protocol
