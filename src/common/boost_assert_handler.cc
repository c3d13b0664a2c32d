// Where Boost's assertions go in builds without NDEBUG (the sanitizer, tidy and fuzz trees;
// release builds compile them out): every one aborts with assert()'s message, as it would without
// this handler, except one that Boost itself got wrong.
//
// Beast (Debian's Boost 1.81) asserts `n >= 5` in basic_parser::parse_chunk_header once it has
// seen a chunked body's last chunk, but when no data chunk came before it (`0\r\n` straight after
// the header) three bytes are enough and the code after the assertion handles them: it asks for
// more input. A client that sends such a body a few bytes at a time would abort a debug build
// (found by the http_request fuzzer). Upstream made the assertion match the code in Boost 1.86
// (boostorg/beast pull request 2861); release builds never checked it.
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace boost {

namespace {

[[noreturn]] void fail(const char* expr, const char* msg, const char* function, const char* file, long line) {
  std::fprintf(stderr, "%s:%ld: %s: Assertion `%s' failed.%s%s\n", file, line, function, expr, msg ? " " : "",
               msg ? msg : "");
  std::abort();
}

}  // namespace

void assertion_failed(const char* expr, const char* function, const char* file, long line) {
  if (std::string_view(expr) == "n >= 5" &&
      std::string_view(file).ends_with("boost/beast/http/impl/basic_parser.ipp")) {
    return;
  }
  fail(expr, nullptr, function, file, line);
}

void assertion_failed_msg(const char* expr, const char* msg, const char* function, const char* file,
                          long line) {
  fail(expr, msg, function, file, line);
}

}  // namespace boost
