// A benchmark target written on one command-line argument, and the raw request it sends:
//   NAME=METHOD URL [expect=CODES] [sigv4=SERVICE/REGION] [form=BODY | body=BODY]
//                   [header=Name:Value]... [contains=TEXT] [pids=PID,PID...]
// e.g. 'fanoutd-signed=POST http://127.0.0.1:4566/ sigv4=sqs/us-east-1
//       form=Action=NoSuchAction&Version=2012-11-05 expect=400 contains=InvalidAction'
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "auth/sigv4.h"
#include "load/http_load.h"

namespace fanout::bench {

struct TargetSpec {
  std::string name;
  Endpoint endpoint;
  std::string method = "GET";
  std::string target = "/";  // path and query as sent
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string expect = "2xx";  // comma-separated statuses or classes (2xx, 400, 4xx)
  std::optional<std::string> sigv4_service;
  std::string sigv4_region;
  std::string contains;   // the probe's response body must contain this
  std::vector<int> pids;  // the server's processes, whose CPU time is sampled over each window
};

// Throws std::invalid_argument naming what is wrong.
TargetSpec parse_target_spec(std::string_view text);

// "2xx", "400", "200,400", "4xx". Throws std::invalid_argument.
StatusPredicate parse_expected(std::string_view codes);

// The request bytes: request line, Host, the spec's headers, Content-Length, body. With
// sigv4_service set the request is signed by the project's signer (fanout::auth::sign_request)
// at `time_seconds` with `credentials` (Content-Length and User-Agent are sent unsigned, as the
// AWS SDKs do). Throws std::invalid_argument when signing is asked for without credentials.
std::string build_request(const TargetSpec& spec, const auth::Credentials* credentials,
                          std::int64_t time_seconds);

}  // namespace fanout::bench
