// src/common/boost_assert_handler.cc: the one Boost assertion it lets through guards a case Beast
// handles (a chunked body's last chunk in small reads), and every other assertion still aborts.
#include <gtest/gtest.h>

#include <boost/assert.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <string>
#include <string_view>

namespace http = boost::beast::http;

namespace {

// Feeds `wire` to a request parser `step` bytes at a time, as a socket trickling them would,
// keeping the unparsed rest as the server's read buffer does.
http::request<http::string_body> parse_in_steps(std::string_view wire, std::size_t step) {
  http::request_parser<http::string_body> parser;
  parser.eager(true);
  std::string buffered;
  for (std::size_t at = 0; at < wire.size() && !parser.is_done(); at += step) {
    buffered.append(wire.substr(at, step));
    boost::beast::error_code ec;
    const auto used = parser.put(boost::asio::buffer(buffered), ec);
    if (ec && ec != http::error::need_more) ADD_FAILURE() << "at byte " << at << ": " << ec.message();
    buffered.erase(0, used);
  }
  EXPECT_TRUE(parser.is_done());
  return parser.release();
}

constexpr std::string_view kHead =
    "PUT /bucket/key HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n";

TEST(BoostAssertHandler, ALastChunkWithNothingBeforeItParsesInOneByteReads) {
  for (std::size_t step : {1, 2, 3, 4}) {
    auto request = parse_in_steps(std::string(kHead) + "0\r\nx-amz-checksum-crc32: AAAAAA==\r\n\r\n", step);
    EXPECT_EQ(request.body(), "") << "step " << step;
    request = parse_in_steps(std::string(kHead) + "0\r\n\r\n", step);
    EXPECT_EQ(request.body(), "") << "step " << step;
  }
}

TEST(BoostAssertHandler, ALastChunkAfterDataParsesInOneByteReads) {
  for (std::size_t step : {1, 2, 3, 7}) {
    auto request = parse_in_steps(std::string(kHead) + "5\r\nhello\r\n0\r\nx-trailer: v\r\n\r\n", step);
    EXPECT_EQ(request.body(), "hello") << "step " << step;
  }
}

#ifndef NDEBUG
TEST(BoostAssertHandlerDeathTest, AnyOtherBoostAssertionAborts) {
  volatile int n = 4;
  EXPECT_DEATH(BOOST_ASSERT(n >= 5), "Assertion `n >= 5' failed");  // not in Beast's parser
  EXPECT_DEATH(BOOST_ASSERT_MSG(n == 0, "why"), "Assertion `n == 0' failed. why");
}
#endif

}  // namespace
