// SigV4 authentication of untrusted requests: the Authorization header and presigned-query
// parsing, then verification against a known secret (canonical request, string to sign, the
// time and expiry rules) and the scope check, as the gateway runs them before anything is
// authenticated. The input is a request in a relaxed wire form ("METHOD target\n" header lines
// "name: value\n", an empty line, the body) so any byte reaches the parser.
#include <cstdint>
#include <string>

#include "auth/sigv4.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace fanout::auth;
  fanout::fuzz::FuzzInput input(data, size);
  const std::uint8_t flags = input.byte();
  std::string_view text = input.rest();

  HttpRequest request;
  auto line = [&]() {
    auto end = text.find('\n');
    auto piece = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    return piece;
  };
  auto request_line = line();
  auto space = request_line.find(' ');
  request.method = std::string(request_line.substr(0, space));
  if (space != std::string_view::npos) request.target = std::string(request_line.substr(space + 1));
  while (!text.empty()) {
    auto header = line();
    if (header.empty()) break;
    auto colon = header.find(':');
    auto value = colon == std::string_view::npos ? std::string_view() : header.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    request.headers.emplace_back(std::string(header.substr(0, colon)), std::string(value));
  }
  request.body = std::string(text);

  auto parsed = parse_auth(request);
  if (parsed.auth.has_value() == parsed.error.has_value()) __builtin_trap();  // exactly one
  if (!parsed.auth) return 0;
  const ParsedAuth& auth = *parsed.auth;
  (void)parse_amz_date(auth.amz_date);

  VerifyOptions options;
  options.check_time = flags & 1;
  options.normalize_path = flags & 2;
  options.check_payload_hash = flags & 4;
  // Around the captures' and the test suites' dates, so the time checks take both branches.
  options.now_seconds = (flags & 8) ? 1'795'800'000 : 1'440'938'160;
  const std::string secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
  (void)verify_request(request, auth, secret, options);
  (void)recompute_signature(request, auth, secret, options.normalize_path);
  (void)check_scope(auth, "us-east-1", auth.scope.service);
  (void)check_scope(auth, "eu-west-1", "sqs");
  return 0;
}
