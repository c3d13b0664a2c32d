// The HTTP request reader as fanoutd runs it: Beast's request parser with the server's header
// limit, the body limit the gateway picks from the header, bytes arriving in socket-sized
// slices, keep-alive requests back to back; every complete request goes through the gateway
// (SigV4 parse, routing, form/JSON decoding, model validation, the error answer). No engine is
// registered, so nothing is stored; the gateway must still answer every request exactly once.
#include <boost/asio/buffer.hpp>
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

namespace http = boost::beast::http;
using fanout::net::Request;
using fanout::net::Response;

struct Front {
  fanout::server::AccountRegistry accounts;  // zero-config: any well-formed signature passes
  fanout::ManualClock clock{1'795'800'000'000};
  fanout::server::Gateway gateway{accounts, clock, fanout::server::GatewayOptions{}};
};

void answer(Front& front, Request request) {
  int answers = 0;
  fanout::net::Peer peer{"127.0.0.1", false};
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
  fanout::fuzz::FuzzInput input(data, size);
  const std::size_t slice = 1 + input.byte() % 64;  // bytes per socket read
  std::string_view wire = input.rest();

  const fanout::net::ServerOptions options;
  for (int message = 0; message < 4 && !wire.empty(); ++message) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(options.header_limit_bytes);
    parser.body_limit(boost::none);
    parser.eager(true);
    std::string pending;
    bool limit_set = false;
    boost::beast::error_code ec;
    while (!parser.is_done()) {
      if (!pending.empty() || !wire.empty()) {
        auto take = wire.substr(0, slice);
        wire.remove_prefix(take.size());
        pending.append(take);
      }
      if (pending.empty()) {
        parser.put_eof(ec);
        break;
      }
      auto used = parser.put(boost::asio::buffer(pending), ec);
      pending.erase(0, used);
      if (ec == http::error::need_more) {
        ec = {};
        if (wire.empty() && used == 0) {
          parser.put_eof(ec);
          break;
        }
        continue;
      }
      if (ec) break;
      if (parser.is_header_done() && !limit_set) {
        limit_set = true;
        const std::uint64_t limit = front.gateway.body_limit(parser.get());
        if (auto length = parser.content_length(); length && *length > limit) {
          (void)front.gateway.body_too_large(parser.get());
          return 0;  // answered from the header; the connection closes
        }
        parser.body_limit(limit);
      }
    }
    if (ec || !parser.is_done()) return 0;  // the server answers 400/413/431 and closes
    answer(front, parser.release());
    // What the parser did not consume belongs to the next request on the connection.
    std::string next = pending + std::string(wire);
    static thread_local std::string carry;
    carry = std::move(next);
    wire = carry;
  }
  return 0;
}
