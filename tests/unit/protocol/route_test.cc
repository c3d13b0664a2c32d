#include "dispatch/route.h"

#include <gtest/gtest.h>

namespace fanout::dispatch {

namespace {
net::Request make(net::http::verb verb, const std::string& target, std::string body = {}) {
  net::Request r{verb, target, 11};
  r.body() = std::move(body);
  return r;
}
}  // namespace

TEST(Route, JsonTargetSelectsServiceAndOperation) {
  auto r = make(net::http::verb::post, "/", "{}");
  r.set("X-Amz-Target", "AmazonSQS.SendMessage");
  auto route = route_request(r, "sqs");
  EXPECT_EQ(route.service, "sqs");
  EXPECT_EQ(route.operation, "SendMessage");
  EXPECT_EQ(route.protocol, WireProtocol::json);

  r.set("X-Amz-Target", "Firehose_20150804.PutRecord");
  EXPECT_EQ(route_request(r, "firehose").service, "firehose");

  r.set("X-Amz-Target", "DynamoDB_20120810.GetItem");
  route = route_request(r, "dynamodb");
  EXPECT_EQ(route.service, "");
  EXPECT_EQ(route.protocol, WireProtocol::json);
}

TEST(Route, FormActionUsesScopeThenModels) {
  auto r = make(net::http::verb::post, "/", "Action=CreateTopic&Name=t");
  r.set(net::http::field::content_type, "application/x-www-form-urlencoded; charset=utf-8");
  auto route = route_request(r, "sns");
  EXPECT_EQ(route.service, "sns");
  EXPECT_EQ(route.protocol, WireProtocol::query);
  EXPECT_EQ(route.operation, "CreateTopic");
  EXPECT_EQ(route_request(r, "").service, "sns");  // unsigned: found by the models

  auto q = make(net::http::verb::get, "/?Action=ListQueues&Version=2012-11-05");
  EXPECT_EQ(route_request(q, "sqs").service, "sqs");
}

TEST(Route, FormWithoutActionRoutesOnlyToQueryServices) {
  auto r = make(net::http::verb::post, "/", "Param1=value1");
  r.set(net::http::field::content_type, "application/x-www-form-urlencoded");
  auto route = route_request(r, "sqs");
  EXPECT_EQ(route.service, "sqs");
  EXPECT_EQ(route.protocol, WireProtocol::query);
  EXPECT_EQ(route.operation, "");
  // A scope with no service model (fuzz/regressions/http_request): unrouted, answered with
  // InvalidAction, not a lookup of a model that does not exist.
  route = route_request(r, "service");
  EXPECT_EQ(route.service, "");
  EXPECT_EQ(route.protocol, WireProtocol::query);
}

TEST(Route, EverythingElseIsS3) {
  auto r = make(net::http::verb::put, "/bucket/key", "data");
  auto route = route_request(r, "s3");
  EXPECT_EQ(route.service, "s3");
  EXPECT_EQ(route.protocol, WireProtocol::rest_xml);
  EXPECT_EQ(route_request(make(net::http::verb::get, "/"), "").service, "s3");
}

TEST(Route, MalformedFormIsFlagged) {
  auto r = make(net::http::verb::post, "/", "Action=%zz");
  r.set(net::http::field::content_type, "application/x-www-form-urlencoded");
  EXPECT_TRUE(route_request(r, "sqs").malformed_form);
}

}  // namespace fanout::dispatch
