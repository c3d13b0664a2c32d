// SigV4 authentication of one request, timed in-process on one core: parse_auth (the
// Authorization header) and verify_request (canonical request, string to sign, HMAC under the
// cached signing key) for a SendMessage as the AWS SDKs sign it (JSON protocol, four signed
// headers). It is fanoutd's fixed cost per request before any service work, and the part of the
// SQS bench's SendMessage CPU that the loopback noise hides.
//
//   sigv4_verify_bench --rounds 30 --calls 20000
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "auth/sigv4.h"
#include "load/per_call_timing.h"

namespace {

fanout::auth::HttpRequest signed_send_message(std::int64_t now) {
  fanout::auth::HttpRequest request;
  request.method = "POST";
  request.target = "/";
  request.body = R"({"QueueUrl":"http://127.0.0.1:4566/111111111111/bench-sqs","MessageBody":")" +
                 std::string(200, 'x') + R"("})";
  request.headers = {
      {"Host", "127.0.0.1:4566"},
      {"Content-Type", "application/x-amz-json-1.0"},
      {"X-Amz-Target", "AmazonSQS.SendMessage"},
      {"User-Agent", "aws-sdk-js/3.700.0 ua/2.1 os/linux lang/js md/nodejs#20 api/sqs#3.700.0"},
      {"amz-sdk-invocation-id", "5b3a7c1e-3f0d-4a52-9d7e-2c4b1a0f9e8d"},
      {"amz-sdk-request", "attempt=1; max=3"},
      {"Content-Length", std::to_string(request.body.size())}};
  fanout::auth::SigningOptions options;
  options.region = "us-east-1";
  options.service = "sqs";
  options.time_seconds = now;
  fanout::auth::sign_request(request, {"AKIDBENCH", "benchsecret", ""}, options);
  return request;
}

double best_us_per_call(int rounds, int calls, auto&& body) {
  double best = 1e300;
  for (int round = 0; round < rounds; ++round) {
    best = std::min(best, fanout::bench::microseconds_per_call(calls, body));
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"SigV4 parse + verify of one SendMessage, in-process"};
  int rounds = 30;
  int calls = 20000;
  app.add_option("--rounds", rounds, "rounds; the best is reported")->check(CLI::PositiveNumber);
  app.add_option("--calls", calls, "calls per round")->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);

  const std::int64_t now = 1'780'000'000;
  const fanout::auth::HttpRequest request = signed_send_message(now);
  fanout::auth::VerifyOptions verify;
  verify.now_seconds = now;

  const auto parsed = fanout::auth::parse_auth(request);
  if (!parsed.auth || fanout::auth::verify_request(request, *parsed.auth, "benchsecret", verify)) {
    std::fprintf(stderr, "the benchmark's request does not verify\n");
    return 1;
  }
  std::size_t sink = 0;
  const double parse_us = best_us_per_call(rounds, calls, [&] {
    const auto result = fanout::auth::parse_auth(request);
    sink += result.auth->signed_headers.size();
  });
  const double verify_us = best_us_per_call(rounds, calls, [&] {
    sink += fanout::auth::verify_request(request, *parsed.auth, "benchsecret", verify).has_value() ? 1 : 0;
  });
  std::printf("SigV4 of a SendMessage (%zu signed headers), best of %d rounds of %d calls, us per request:\n",
              parsed.auth->signed_headers.size(), rounds, calls);
  std::printf("  parse_auth      %6.2f\n  verify_request  %6.2f\n  total           %6.2f\n", parse_us,
              verify_us, parse_us + verify_us);
  return sink == 0 ? 2 : 0;
}
