// Helpers shared by the SigV4 tests: locating and reading the conformance data in place, the
// AWS test-suite request format, and the wire-capture records.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "auth/sigv4.h"

namespace fanout::auth::testing {

// The secret key of AWS's documented example access key AKIDEXAMPLE, used by the test vectors,
// the SDK captures and the verifier tests.
inline constexpr std::string_view kExampleSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

// $FANOUT_SHARED_DIR/conformance (the data is read where it lies, never copied).
std::filesystem::path conformance_dir();

std::string read_file(const std::filesystem::path& path);

// The test-suite request layout: request line, "Name:value" headers (a line starting with
// whitespace continues the previous header and is joined with one space), an empty line, body.
// The request-target is everything between the method and the final " HTTP/".
HttpRequest parse_request_text(std::string_view text);

// "2015-08-30T12:36:00Z" or "20150830T123600Z" -> epoch seconds (throws on anything else).
std::int64_t parse_timestamp(std::string_view text);

// One signed request captured from a real SDK (../wire-captures/*.json).
struct WireCapture {
  std::string file;
  std::string sdk;
  std::string call;
  HttpRequest request;
};
std::vector<WireCapture> load_wire_captures();

// Boost.JSON strings are UTF-8; the captures map body bytes one-to-one onto code points 0-255.
std::string latin1_from_utf8(std::string_view utf8);

// Names usable in a GoogleTest parameter name.
std::string test_name(std::string_view text);

}  // namespace fanout::auth::testing
