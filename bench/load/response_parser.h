// An incremental HTTP/1.1 response parser for the load generator: fed the bytes as they
// arrive, it finds the status, the framing (Content-Length, chunked, or until close) and where
// the response ends. Bodies are skipped unless asked for.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace fanout::bench {

class ResponseParser {
 public:
  enum class State { need_more, complete, error };

  // Prepares for the next response. keep_body: collect the (de-chunked) body.
  // no_body: the request was HEAD, so the response carries no body whatever its headers say.
  void reset(bool keep_body, bool no_body = false);

  // Consumes bytes of the response; returns how many it used (less than size only once the
  // response is complete: the rest belongs to the next one).
  std::size_t feed(const char* data, std::size_t size);
  // The peer closed the connection: completes a body framed by the close, else an error.
  State on_eof();

  State state() const { return state_; }
  int status() const { return status_; }
  bool keep_alive() const { return keep_alive_; }
  std::string_view body() const { return body_; }
  const std::string& error() const { return error_; }

 private:
  enum class Phase {
    header,
    body_length,
    body_until_close,
    chunk_size,
    chunk_data,
    chunk_data_end,
    trailer,
    done
  };

  bool parse_header();
  bool fail(std::string message);
  void finish();
  // Accumulates one CRLF-terminated line into line_; true once complete.
  bool take_line(const char* data, std::size_t size, std::size_t& used);

  State state_ = State::need_more;
  Phase phase_ = Phase::header;
  bool keep_body_ = false;
  bool no_body_ = false;
  int status_ = 0;
  bool keep_alive_ = true;
  std::uint64_t remaining_ = 0;
  std::string header_;
  std::string line_;
  std::string body_;
  std::string error_;
};

}  // namespace fanout::bench
