// The transport's plain-HTTP connection against a scripted loopback server: what goes on the wire,
// keep-alive and its end (Connection: close, a server that closed an idle connection), the
// response framings (Content-Length, chunked, close-delimited, HEAD, an interim 100), large
// bodies, malformed answers, the request timeout and the abort flag.
#include "client/http_transport.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "client/aws_error.h"
#include "client/endpoint.h"
#include "scripted_http_server.h"

namespace fanout::client::testing {
namespace {

using std::chrono::milliseconds;

auth::HttpRequest post(std::string body) {
  return {
      "POST", "/path?x=1", {{"Host", "example"}, {"X-Amz-Target", "AmazonSQS.ListQueues"}}, std::move(body)};
}

ScriptedResponse answer(std::string body) { return {200, {{"Content-Type", "text/plain"}}, std::move(body)}; }

// A loopback port that was just free and is closed again.
int closed_port() {
  const ScriptedHttpServer closed;
  return closed.port();
}

// The message of the TransportError a POST to url ends in; "" when it does not fail.
std::string failure_of(HttpTransport& transport, const std::string& url) {
  try {
    transport.send(parse_endpoint_url(url), post("a"));
  } catch (const TransportError& error) {
    return error.what();
  }
  return "";
}

ScriptedResponse raw(std::string bytes) {
  ScriptedResponse response;
  response.raw = std::move(bytes);
  return response;
}

// A scripted server and a transport aimed at it, with a 2 s request timeout.
class PlainHttp : public ::testing::Test {
 protected:
  static TransportOptions quick_options() {
    TransportOptions options;
    options.request_timeout = milliseconds(2000);
    return options;
  }

  ScriptedHttpServer server;
  HttpTransport transport{quick_options()};
  const Endpoint endpoint = parse_endpoint_url(server.url());
};

TEST_F(PlainHttp, SendsTheRequestAsSignedWithItsLength) {
  server.push(answer("one"));
  server.push(answer("two"));
  auth::HttpRequest with_stale_length = post("hello");
  with_stale_length.headers.emplace_back("content-length", "999");  // replaced by the body's length
  EXPECT_EQ(transport.send(endpoint, with_stale_length).body, "one");
  const HttpResponse second = transport.send(endpoint, {"GET", "/object", {{"Host", "example"}}, ""});
  EXPECT_EQ(second.status, 200);
  EXPECT_EQ(second.body, "two");
  ASSERT_NE(second.header("content-type"), nullptr);
  EXPECT_EQ(*second.header("CONTENT-TYPE"), "text/plain");

  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].header("host"), "example") << "the signed Host, not the endpoint's";
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].target, "/path?x=1");
  EXPECT_EQ(requests[0].header("x-amz-target"), "AmazonSQS.ListQueues");
  EXPECT_EQ(requests[0].header("content-length"), "5");
  EXPECT_EQ(requests[0].body, "hello");
  EXPECT_EQ(requests[1].method, "GET");
  EXPECT_EQ(requests[1].header("content-length"), "");
  EXPECT_EQ(server.connections(), 1) << "keep-alive: both requests on one connection";
}

TEST_F(PlainHttp, ABodylessDeleteStillSaysContentLengthZeroAndHostIsNeverMissing) {
  server.push(answer(""));
  transport.send(endpoint, {"DELETE", "/b/k", {}, ""});
  const auto request = server.requests().at(0);
  EXPECT_EQ(request.header("content-length"), "0");
  EXPECT_EQ(request.header("host"), "127.0.0.1:" + std::to_string(server.port()));
}

TEST_F(PlainHttp, LineBreaksInTheRequestAreRefusedBeforeAnythingIsSent) {
  server.push(answer("ok"));
  auth::HttpRequest smuggling = post("a");
  smuggling.headers.emplace_back("X-Amz-Meta-Note", "x\r\nContent-Length: 0\r\n\r\nGET /other HTTP/1.1");
  EXPECT_THROW(transport.send(endpoint, smuggling), std::invalid_argument);
  auth::HttpRequest bad_target = post("a");
  bad_target.target = "/b/k HTTP/1.1\r\nX: y";
  EXPECT_THROW(transport.send(endpoint, bad_target), std::invalid_argument);
  EXPECT_EQ(transport.send(endpoint, post("a")).body, "ok");
  EXPECT_EQ(server.requests().size(), 1u) << "only the clean request reached the server";
  EXPECT_EQ(server.connections(), 1) << "and nothing was connected for the refused ones";
}

TEST_F(PlainHttp, ConnectionCloseStartsAFreshConnection) {
  ScriptedResponse closing = answer("bye");
  closing.headers.emplace_back("Connection", "close");
  closing.close_after = true;
  server.push(closing);
  server.push(answer("again"));
  EXPECT_EQ(transport.send(endpoint, post("a")).body, "bye");
  EXPECT_EQ(transport.send(endpoint, post("b")).body, "again");
  EXPECT_EQ(server.connections(), 2);
  EXPECT_EQ(server.requests().size(), 2u);
}

TEST_F(PlainHttp, AnIdleConnectionTheServerClosedIsReplacedTransparently) {
  ScriptedResponse first = answer("first");
  first.close_after = true;  // no Connection: close: the client learns of it only on reuse
  server.push(first);
  server.push(answer("second"));
  EXPECT_EQ(transport.send(endpoint, post("a")).body, "first");
  std::this_thread::sleep_for(milliseconds(50));  // let the FIN arrive
  EXPECT_EQ(transport.send(endpoint, post("b")).body, "second");
  EXPECT_EQ(server.connections(), 2);
  EXPECT_EQ(server.requests().size(), 2u) << "the second request was sent once, on the new connection";
}

TEST_F(PlainHttp, AFreshConnectionDroppedWithoutAnswerIsAnError) {
  ScriptedResponse drop;
  drop.drop_connection = true;
  server.push(drop);
  EXPECT_THROW(transport.send(endpoint, post("a")), TransportError);
  EXPECT_FALSE(transport.timed_out());
  EXPECT_EQ(server.requests().size(), 1u) << "not resent: only a reused connection may have gone stale";
}

TEST_F(PlainHttp, ReadsChunkedCloseDelimitedAndInterimResponses) {
  server.push(
      raw("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"));
  server.push(raw("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok"));
  ScriptedResponse until_close = raw("HTTP/1.0 200 OK\r\n\r\nread to the end");
  until_close.close_after = true;
  server.push(until_close);
  EXPECT_EQ(transport.send(endpoint, post("a")).body, "hello world");
  const HttpResponse created = transport.send(endpoint, post("b"));
  EXPECT_EQ(created.status, 201);
  EXPECT_EQ(created.body, "ok");
  EXPECT_EQ(transport.send(endpoint, post("c")).body, "read to the end");
  EXPECT_EQ(server.connections(), 1);
}

TEST_F(PlainHttp, HeadResponsesHaveALengthButNoBody) {
  server.push(raw("HTTP/1.1 200 OK\r\nContent-Length: 12345\r\nETag: \"e\"\r\n\r\n"));
  server.push(answer("next"));
  const HttpResponse head = transport.send(endpoint, {"HEAD", "/b/k", {{"Host", "example"}}, ""});
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.body, "");
  EXPECT_EQ(*head.header("content-length"), "12345");
  EXPECT_EQ(transport.send(endpoint, post("a")).body, "next") << "the connection stays in step";
}

TEST_F(PlainHttp, LargeBodiesArriveWhole) {
  std::string big(3 * 1024 * 1024 + 17, 'x');
  for (std::size_t i = 0; i < big.size(); i += 4093) big[i] = static_cast<char>('a' + i % 26);
  server.push(answer(big));
  server.push(answer("small"));
  EXPECT_EQ(transport.send(endpoint, post(big)).body, big);
  EXPECT_EQ(server.requests().at(0).body, big);
  EXPECT_EQ(transport.send(endpoint, post("a")).body, "small");
}

TEST_F(PlainHttp, MalformedAndTruncatedResponsesAreTransportErrors) {
  server.push(raw("this is not HTTP\r\n\r\n"));
  ScriptedResponse truncated = raw("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort");
  truncated.close_after = true;
  server.push(truncated);
  server.push(answer("fine"));
  EXPECT_THROW(transport.send(endpoint, post("a")), TransportError);
  EXPECT_THROW(transport.send(endpoint, post("b")), TransportError);
  EXPECT_EQ(transport.send(endpoint, post("c")).body, "fine");
  EXPECT_EQ(server.connections(), 3) << "each failure closes its connection";
}

TEST_F(PlainHttp, EveryTruncationOfAResponseIsAnErrorNeverAHangOrAShortBody) {
  const std::vector<std::string> whole{
      "HTTP/1.1 200 OK\r\nContent-Length: 11\r\nX-Amz-Id: 1\r\n\r\nhello world",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"};
  for (const auto& response : whole) {
    for (std::size_t cut = 0; cut <= response.size(); ++cut) {
      ScriptedResponse truncated = raw(response.substr(0, cut));
      truncated.close_after = true;
      if (cut == 0) truncated.drop_connection = true;  // nothing at all: close unanswered
      server.push(truncated);
      SCOPED_TRACE("cut at " + std::to_string(cut) + " of " + std::to_string(response.size()));
      if (cut == response.size()) {
        EXPECT_EQ(transport.send(endpoint, post("a")).body, "hello world");
      } else {
        EXPECT_THROW(transport.send(endpoint, post("a")), TransportError);
        EXPECT_FALSE(transport.timed_out()) << "the close ends the wait";
      }
    }
  }
}

TEST(HttpTransport, TheRequestTimeoutEndsAStalledAnswer) {
  ScriptedHttpServer server;
  ScriptedResponse slow = answer("late");
  slow.stall = milliseconds(800);
  server.push(slow);
  TransportOptions options;
  options.request_timeout = milliseconds(200);
  HttpTransport transport(options);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_THROW(transport.send(parse_endpoint_url(server.url()), post("a")), TransportError);
  EXPECT_TRUE(transport.timed_out());
  EXPECT_FALSE(transport.aborted());
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(700));
}

TEST_F(PlainHttp, TheAbortFlagEndsALongPollPromptly) {
  ScriptedResponse slow = answer("late");
  slow.stall = milliseconds(1500);
  server.push(slow);
  std::atomic<bool> stop{false};
  transport.set_abort_flag(&stop);
  std::thread raiser([&] {
    std::this_thread::sleep_for(milliseconds(100));
    stop = true;
  });
  const auto start = std::chrono::steady_clock::now();
  EXPECT_THROW(transport.send(endpoint, post("a")), TransportError);
  const auto took = std::chrono::steady_clock::now() - start;
  raiser.join();
  EXPECT_TRUE(transport.aborted());
  EXPECT_FALSE(transport.timed_out());
  EXPECT_LT(took, milliseconds(1000));
}

TEST_F(PlainHttp, ConnectionRefusedIsATransportError) {
  const std::string message = failure_of(transport, "http://127.0.0.1:" + std::to_string(closed_port()));
  EXPECT_NE(message.find("could not connect"), std::string::npos) << message;
  EXPECT_FALSE(transport.timed_out());
}

TEST_F(PlainHttp, AnIpv6LiteralIsResolvedWithoutItsBrackets) {
  // Refused, or unreachable where the machine has no IPv6 loopback: either way it was resolved.
  const std::string message = failure_of(transport, "http://[::1]:" + std::to_string(closed_port()));
  EXPECT_NE(message.find("could not connect to [::1]"), std::string::npos) << message;
}

TEST_F(PlainHttp, SubdomainsOfLocalhostAreLoopback) {
  server.push(answer("virtual host"));
  const Endpoint virtual_host =
      parse_endpoint_url("http://my-bucket.localhost:" + std::to_string(server.port()));
  EXPECT_EQ(transport.send(virtual_host, post("a")).body, "virtual host");
}

}  // namespace
}  // namespace fanout::client::testing
