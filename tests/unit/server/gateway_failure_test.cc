// Hardening issue 9: an exception on the request path (an engine, a decoder, the S3 front end, a
// console handler) is answered with the service's internal error, in the request's own
// protocol, exactly once, and never reaches the I/O thread; a throw after the answer, or after
// the Respond was handed to someone who will answer, adds no second answer.
#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <mutex>
#include <new>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "net/http_server.h"
#include "protocol/operation.h"
#include "server/accounts.h"
#include "server/gateway.h"
#include "server/rest_service.h"

namespace fanout::server {
namespace {

namespace http = net::http;
namespace json = boost::json;

// Throws in every way the request path can, by operation name.
class ThrowingEngine final : public protocol::ServiceEngine {
 public:
  void invoke(const protocol::RequestContext&, const std::string& operation, json::object,
              protocol::Completion done) override {
    if (operation == "SendMessage" || operation == "Publish" || operation == "ListDeliveryStreams") {
      throw std::runtime_error("engine exploded");
    }
    if (operation == "ListQueues") throw std::bad_alloc();
    if (operation == "ListQueueTags") throw 42;  // not a std::exception
    if (operation == "GetQueueUrl") {
      done(json::object{{"QueueUrl", "http://localhost/000000000000/q"}});
      throw std::runtime_error("thrown after answering");
    }
    if (operation == "DeleteQueue") {
      // Handed to "another thread" (kept for later), then the caller throws.
      std::lock_guard lock(mutex_);
      kept_.push_back(std::move(done));
      throw std::runtime_error("thrown after handing the completion off");
    }
    if (operation == "ChangeMessageVisibility") {
      protocol::Completion dropped = std::move(done);  // an engine bug: let go of the request unanswered
      return;
    }
    if (operation == "PurgeQueue") {
      // Kept for "another thread", which later lets go of it unanswered.
      std::lock_guard lock(mutex_);
      dropped_later_.push_back(std::move(done));
      return;
    }
    if (operation == "GetQueueAttributes") {
      // An engine bug the encoder throws on (Beast refuses a body on a 204) inside the
      // completion, which may run on an engine thread with nothing above it to catch.
      return done(protocol::ServiceError::make("NoContent", "an error with a bodiless status", 204));
    }
    done(json::object{{"QueueUrl", "http://localhost/000000000000/q"}});
  }

  // Completes what DeleteQueue kept, as a worker thread would.
  void complete_kept() {
    std::vector<protocol::Completion> kept;
    {
      std::lock_guard lock(mutex_);
      kept.swap(kept_);
    }
    for (auto& done : kept) done(json::object{});
  }
  // Lets go of what PurgeQueue kept without answering, as a buggy worker thread would.
  void drop_kept() {
    std::vector<protocol::Completion> kept;
    std::lock_guard lock(mutex_);
    kept.swap(dropped_later_);
  }

 private:
  std::mutex mutex_;
  std::vector<protocol::Completion> kept_;
  std::vector<protocol::Completion> dropped_later_;
};

class ThrowingS3 final : public RestService {
 public:
  std::shared_ptr<net::BodySink> body_sink(const net::RequestHeader&) override { return nullptr; }
  bool streams_body(const net::RequestHeader&) const override { return false; }
  void handle(RestCall call) override {
    if (call.request.target().starts_with("/answered")) {
      net::Response ok{http::status::ok, call.request.version()};
      ok.prepare_payload();
      call.respond(std::move(ok));
      throw std::runtime_error("S3 threw after answering");
    }
    throw std::runtime_error("S3 front end exploded");
  }
};

// Every answer a request got.
struct Answers {
  std::mutex mutex;
  std::vector<net::Response> got;

  net::Respond respond() {
    return net::Respond([this](net::Response response) {
      std::lock_guard lock(mutex);
      got.push_back(std::move(response));
    });
  }
  std::size_t count() {
    std::lock_guard lock(mutex);
    return got.size();
  }
};

net::Request query_request(const std::string& body) {
  net::Request request{http::verb::post, "/", 11};
  request.set(http::field::host, "localhost:4566");
  request.set(http::field::content_type, "application/x-www-form-urlencoded");
  request.body() = body;
  request.prepare_payload();
  return request;
}

net::Request json_request(const std::string& target, const std::string& body,
                          const std::string& content_type = "application/x-amz-json-1.0") {
  net::Request request{http::verb::post, "/", 11};
  request.set(http::field::host, "localhost:4566");
  request.set("X-Amz-Target", target);
  request.set(http::field::content_type, content_type);
  request.body() = body;
  request.prepare_payload();
  return request;
}

net::Request s3_request(const std::string& target) {
  net::Request request{http::verb::get, target, 11};
  request.set(http::field::host, "localhost:4566");
  request.prepare_payload();
  return request;
}

class GatewayFailureTest : public ::testing::Test {
 protected:
  GatewayFailureTest() : gateway_(accounts_, clock_, GatewayOptions{}) {
    gateway_.register_engine("sqs", &engine_);
    gateway_.register_engine("sns", &engine_);
    gateway_.register_engine("firehose", &engine_);
    gateway_.register_rest_service("s3", &s3_);
    gateway_.serve_prefix("/_fanout/console/api",
                          [](const net::Request&, const net::Peer&, const net::Respond&) {
                            throw std::runtime_error("console exploded");
                          });
  }

  // The answers to one request handed to the gateway directly.
  std::vector<net::Response> call(net::Request request) {
    Answers answers;
    gateway_.handle(std::move(request), net::Peer{"127.0.0.1", false}, answers.respond());
    return std::move(answers.got);
  }

  AccountRegistry accounts_;  // zero-config: unsigned requests are accepted
  SystemClock clock_;
  ThrowingEngine engine_;
  ThrowingS3 s3_;
  Gateway gateway_;
};

const std::string kQueueUrl = "QueueUrl=http%3A%2F%2Flocalhost%3A4566%2F000000000000%2Fq";

TEST_F(GatewayFailureTest, QueryEngineThrowIsOneInternalFailureInXml) {
  auto got = call(query_request("Action=SendMessage&Version=2012-11-05&" + kQueueUrl + "&MessageBody=hi"));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].result_int(), 500u);
  EXPECT_EQ(got[0][http::field::content_type], "text/xml");
  EXPECT_NE(got[0].body().find("<Code>InternalFailure</Code>"), std::string::npos) << got[0].body();
  EXPECT_NE(got[0].body().find("<Type>Receiver</Type>"), std::string::npos) << got[0].body();
  EXPECT_FALSE(got[0]["x-amzn-RequestId"].empty());
  EXPECT_EQ(gateway_.admission().inflight_requests(), 0u);  // the slot went with the answer
}

TEST_F(GatewayFailureTest, SqsJsonBadAllocIsInternalFailureWithTheQueryErrorHeader) {
  auto got = call(json_request("AmazonSQS.ListQueues", "{}"));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].result_int(), 500u);
  EXPECT_EQ(got[0][http::field::content_type], "application/x-amz-json-1.0");
  EXPECT_EQ(got[0]["x-amzn-query-error"], "InternalFailure;Receiver");
  auto body = json::parse(got[0].body()).as_object();
  EXPECT_EQ(body.at("__type").as_string(), "com.amazonaws.sqs#InternalFailure");
  EXPECT_EQ(gateway_.admission().inflight_requests(), 0u);
}

TEST_F(GatewayFailureTest, FirehoseJsonThrowIsInternalFailure) {
  auto got = call(json_request("Firehose_20150804.ListDeliveryStreams", "{}", "application/x-amz-json-1.1"));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].result_int(), 500u);
  EXPECT_EQ(got[0][http::field::content_type], "application/x-amz-json-1.1");
  EXPECT_TRUE(got[0]["x-amzn-query-error"].empty());
  EXPECT_EQ(json::parse(got[0].body()).as_object().at("__type").as_string(), "InternalFailure");
}

TEST_F(GatewayFailureTest, SnsThrowIsItsModelledInternalError) {
  auto got =
      call(query_request("Action=Publish&Version=2010-03-31&TopicArn=arn%3Aaws%3Asns%3Aus-east-1%"
                         "3A000000000000%3At&Message=hi"));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].result_int(), 500u);
  EXPECT_NE(got[0].body().find("<Code>InternalError</Code>"), std::string::npos) << got[0].body();
}

TEST_F(GatewayFailureTest, NonStandardExceptionIsAnsweredToo) {
  auto got = call(query_request("Action=ListQueueTags&Version=2012-11-05&" + kQueueUrl));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].result_int(), 500u);
  EXPECT_NE(got[0].body().find("<Code>InternalFailure</Code>"), std::string::npos);
}

TEST_F(GatewayFailureTest, ThrowAfterAnsweringAddsNoSecondAnswer) {
  auto got = call(query_request("Action=GetQueueUrl&Version=2012-11-05&QueueName=q"));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].result_int(), 200u);
  EXPECT_EQ(gateway_.admission().inflight_requests(), 0u);
}

TEST_F(GatewayFailureTest, ThrowAfterHandOffLeavesTheAnswerToTheHolder) {
  Answers answers;
  gateway_.handle(query_request("Action=DeleteQueue&Version=2012-11-05&" + kQueueUrl),
                  net::Peer{"127.0.0.1", false}, answers.respond());
  EXPECT_EQ(answers.count(), 0u);                           // not answered by the catch
  EXPECT_EQ(gateway_.admission().inflight_requests(), 1u);  // still in flight
  std::thread worker([this] { engine_.complete_kept(); });
  worker.join();
  ASSERT_EQ(answers.count(), 1u);
  EXPECT_EQ(answers.got[0].result_int(), 200u);
  EXPECT_EQ(gateway_.admission().inflight_requests(), 0u);
}

// An engine that lets go of the request without answering would leave the client waiting until
// its own timeout: the last holder to let go answers the service's internal error instead.
TEST_F(GatewayFailureTest, ACompletionDroppedUnansweredIsAnsweredOnce) {
  auto got = call(query_request("Action=ChangeMessageVisibility&Version=2012-11-05&" + kQueueUrl +
                                "&ReceiptHandle=h&VisibilityTimeout=1"));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].result_int(), 500u) << got[0].body();
  EXPECT_NE(got[0].body().find("<Code>InternalFailure</Code>"), std::string::npos) << got[0].body();
  EXPECT_EQ(gateway_.admission().inflight_requests(), 0u);
}

TEST_F(GatewayFailureTest, ACompletionDroppedLaterOnAnotherThreadIsAnsweredThen) {
  Answers answers;
  gateway_.handle(json_request("AmazonSQS.PurgeQueue", R"({"QueueUrl":"http://localhost/000000000000/q"})"),
                  net::Peer{"127.0.0.1", false}, answers.respond());
  EXPECT_EQ(answers.count(), 0u);  // still held: nobody answers for the holder
  std::thread worker([this] { engine_.drop_kept(); });
  worker.join();
  ASSERT_EQ(answers.count(), 1u);
  EXPECT_EQ(answers.got[0].result_int(), 500u);
  EXPECT_EQ(answers.got[0]["x-amzn-query-error"], "InternalFailure;Receiver");
  EXPECT_EQ(gateway_.admission().inflight_requests(), 0u);
}

TEST_F(GatewayFailureTest, EncoderThrowInTheCompletionIsInternalFailure) {
  auto got = call(
      query_request("Action=GetQueueAttributes&Version=2012-11-05&" + kQueueUrl + "&AttributeName.1=All"));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].result_int(), 500u) << got[0].body();
  EXPECT_NE(got[0].body().find("<Code>InternalFailure</Code>"), std::string::npos) << got[0].body();
}

// The connection failing to take an answer is the server's to handle (it closes the
// connection): the gateway neither answers again nor swallows it.
TEST_F(GatewayFailureTest, ARespondThatThrowsIsLeftToTheServer) {
  for (auto target : {"engine", "operational"}) {
    int calls = 0;
    net::Respond throwing([&calls](const net::Response&) {
      ++calls;
      throw std::runtime_error("connection gone");
    });
    auto request = std::string(target) == "engine"
                       ? query_request("Action=CreateQueue&Version=2012-11-05&QueueName=q")
                       : s3_request("/_fanout/health");
    EXPECT_THROW(gateway_.handle(std::move(request), net::Peer{"127.0.0.1", false}, throwing),
                 std::runtime_error)
        << target;
    EXPECT_EQ(calls, 1) << target;
  }
  EXPECT_EQ(gateway_.admission().inflight_requests(), 0u);
}

TEST_F(GatewayFailureTest, S3ThrowIsInternalErrorInS3Xml) {
  auto got = call(s3_request("/bucket/key"));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].result_int(), 500u);
  EXPECT_EQ(got[0][http::field::content_type], "application/xml");
  const auto& body = got[0].body();
  EXPECT_NE(body.find("<Code>InternalError</Code>"), std::string::npos) << body;
  EXPECT_NE(body.find("<Message>We encountered an internal error. Please try again.</Message>"),
            std::string::npos)
      << body;
  EXPECT_NE(body.find("<Resource>/bucket/key</Resource>"), std::string::npos) << body;
  EXPECT_FALSE(got[0]["x-amz-request-id"].empty());
  EXPECT_EQ(gateway_.admission().inflight_requests(), 0u);
}

TEST_F(GatewayFailureTest, S3ThrowAfterAnsweringAddsNoSecondAnswer) {
  auto got = call(s3_request("/answered/key"));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].result_int(), 200u);
}

TEST_F(GatewayFailureTest, S3HeadThrowHasNoBody) {
  auto request = s3_request("/bucket/key");
  request.method(http::verb::head);
  auto got = call(std::move(request));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].result_int(), 500u);
  EXPECT_TRUE(got[0].body().empty());
}

TEST_F(GatewayFailureTest, PrefixHandlerThrowIsAnswered) {
  auto got = call(s3_request("/_fanout/console/api/queues"));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].result_int(), 500u);
}

TEST_F(GatewayFailureTest, FailuresAreCountedAs500s) {
  call(query_request("Action=SendMessage&Version=2012-11-05&" + kQueueUrl + "&MessageBody=hi"));
  auto text = gateway_.metrics().render_prometheus();
  EXPECT_NE(text.find("service=\"sqs\",operation=\"SendMessage\",status=\"500\"} 1"), std::string::npos)
      << text;
}

// Over a real connection: each failure is one 500 in its protocol, and the next request on the
// same keep-alive connection is served.
TEST_F(GatewayFailureTest, OverHttpTheServerStaysUpAndKeepsTheConnection) {
  net::ServerOptions options;
  options.listen = {"127.0.0.1:0"};
  options.threads = 1;
  net::HttpServer server(options, gateway_);
  server.start();
  std::thread runner([&server] { server.run(); });
  // Stops the server however the test ends (a failed read must not leave the thread joinable).
  struct Stop {
    net::HttpServer& server;
    std::thread& runner;
    ~Stop() {
      server.shutdown(std::chrono::milliseconds(500));
      runner.join();
    }
  } stop{server, runner};

  boost::asio::io_context io;
  boost::beast::tcp_stream stream(io);
  stream.connect(
      boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), server.bound_ports().at(0)));
  stream.expires_after(std::chrono::seconds(10));
  boost::beast::flat_buffer buffer;
  // A closed connection reads as status 0.
  auto exchange = [&](net::Request request) {
    request.keep_alive(true);
    net::Response response;
    response.result(http::status::unknown);
    boost::beast::error_code ec;
    boost::beast::http::write(stream, request, ec);
    if (!ec) boost::beast::http::read(stream, buffer, response, ec);
    if (ec) ADD_FAILURE() << request.target() << ": " << ec.message();
    return response;
  };

  auto failed =
      exchange(query_request("Action=SendMessage&Version=2012-11-05&" + kQueueUrl + "&MessageBody=x"));
  EXPECT_EQ(failed.result_int(), 500u);
  EXPECT_NE(failed.body().find("<Code>InternalFailure</Code>"), std::string::npos) << failed.body();

  auto served = exchange(query_request("Action=CreateQueue&Version=2012-11-05&QueueName=q"));
  EXPECT_EQ(served.result_int(), 200u) << served.body();

  auto json_failed = exchange(json_request("AmazonSQS.ListQueues", "{}"));
  EXPECT_EQ(json_failed.result_int(), 500u);
  EXPECT_EQ(json_failed["x-amzn-query-error"], "InternalFailure;Receiver");

  auto answered = exchange(query_request("Action=GetQueueUrl&Version=2012-11-05&QueueName=q"));
  EXPECT_EQ(answered.result_int(), 200u);

  auto s3_failed = exchange(s3_request("/bucket/key"));
  EXPECT_EQ(s3_failed.result_int(), 500u);
  EXPECT_NE(s3_failed.body().find("<Code>InternalError</Code>"), std::string::npos);

  // Had a second answer been written for GetQueueUrl, this would read it instead.
  auto last = exchange(s3_request("/answered/key"));
  EXPECT_EQ(last.result_int(), 200u);
  auto health = exchange(s3_request("/_fanout/health"));
  EXPECT_EQ(health.result_int(), 200u);
  EXPECT_NE(health.body().find("\"status\":\"ok\""), std::string::npos) << health.body();

  boost::beast::error_code ignored;
  stream.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
}

}  // namespace
}  // namespace fanout::server
