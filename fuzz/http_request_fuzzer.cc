// The HTTP request reader as fanoutd runs it, then the gateway. Input: one selector byte (the
// bytes per socket read, 1-64), then the raw bytes a client sends on one connection.
//
// The reader (net/http_server.cc's Connection) is private to the server and bound to a TCP
// socket and its timers, so it cannot be driven without one. This target repeats its read
// sequence step for step on Beast's in-memory test stream (boost/beast/_experimental/test, header
// only in Boost 1.81), which hands the parser the same read_some slices a socket would (its
// read_size is the fuzzed slice length) and ends in EOF like a peer that closed:
//   a fresh request_parser<string_body> per request, header_limit from ServerOptions, no body
//   limit while the header is read; http::read_header into the connection's flat_buffer;
//   Gateway::body_limit(header), Gateway::body_too_large() for a declared Content-Length above it
//   (the connection then closes), parser.body_limit(limit); http::read for the body; the request
//   goes to Gateway::handle; bytes left in the buffer start the next keep-alive request.
// The synchronous read functions share Beast's read_some/parser loop with the server's async
// ones. No engine is registered, so nothing is stored and no S3 body sink is ever chosen; the
// gateway must still answer every request exactly once, before handle() returns.
#include <boost/asio/io_context.hpp>
#include <boost/beast/_experimental/test/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "common/clock.h"
#include "fuzz_input.h"
#include "net/http_server.h"
#include "server/accounts.h"
#include "server/gateway.h"

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using fanout::net::Request;
using fanout::net::Response;

struct Front {
  fanout::server::AccountRegistry accounts;  // zero-config: any well-formed signature passes
  fanout::ManualClock clock{1'795'800'000'000};
  fanout::server::Gateway gateway{accounts, clock, fanout::server::GatewayOptions{}};
};

void answer(Front& front, Request request) {
  int answers = 0;
  const fanout::net::Peer peer{"127.0.0.1", false};
  front.gateway.handle(std::move(request), peer, fanout::net::Respond([&](Response&& response) {
                         ++answers;
                         (void)response.body().size();
                       }));
  // Without engines every path answers before handle() returns; none or two answers would be a
  // hung or double-answered connection in the server.
  if (answers != 1) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Front front;
  static boost::asio::io_context io;
  fanout::fuzz::FuzzInput input(data, size);
  const std::size_t slice = 1 + input.byte() % 64;  // bytes per socket read
  const std::string_view wire = input.rest();

  beast::test::stream stream(io, beast::string_view(wire.data(), wire.size()));
  stream.read_size(slice);
  stream.close_remote();  // the client sent everything, then EOF
  const fanout::net::ServerOptions options;
  beast::flat_buffer buffer;  // kept across keep-alive requests, as the connection's

  for (int message = 0; message < 8; ++message) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(options.header_limit_bytes);
    parser.body_limit(boost::none);
    beast::error_code ec;
    http::read_header(stream, buffer, parser, ec);
    if (ec) return 0;  // the server answers 400/431 or just closes
    const auto& header = parser.get();
    const std::uint64_t limit = front.gateway.body_limit(header);
    if (auto length = parser.content_length(); length && *length > limit) {
      (void)front.gateway.body_too_large(header);
      return 0;  // answered from the header; the connection closes
    }
    parser.body_limit(limit);
    http::read(stream, buffer, parser, ec);
    if (ec) return 0;  // 400/413 or close
    Request request = parser.release();
    const bool keep_alive = request.keep_alive();
    answer(front, std::move(request));
    if (!keep_alive) return 0;
  }
  return 0;
}
