#include "load/response_parser.h"

#include <algorithm>
#include <charconv>
#include <cstring>

namespace fanout::bench {
namespace {

constexpr std::size_t kMaxHeaderBytes = std::size_t{64} * 1024;
constexpr std::size_t kMaxLineBytes = std::size_t{8} * 1024;

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return (x | 0x20) == (y | 0x20); });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Whether a comma-separated header value lists the token (case-insensitive).
bool has_token(std::string_view value, std::string_view token) {
  while (!value.empty()) {
    const auto comma = value.find(',');
    if (iequals(trim(value.substr(0, comma)), token)) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace

void ResponseParser::reset(bool keep_body, bool no_body) {
  state_ = State::need_more;
  phase_ = Phase::header;
  keep_body_ = keep_body;
  no_body_ = no_body;
  status_ = 0;
  keep_alive_ = true;
  remaining_ = 0;
  header_.clear();
  line_.clear();
  body_.clear();
  error_.clear();
}

bool ResponseParser::fail(std::string message) {
  state_ = State::error;
  error_ = std::move(message);
  return false;
}

void ResponseParser::finish() {
  phase_ = Phase::done;
  state_ = State::complete;
}

bool ResponseParser::take_line(const char* data, std::size_t size, std::size_t& used) {
  const char* lf = static_cast<const char*>(std::memchr(data, '\n', size));
  const std::size_t n = lf ? static_cast<std::size_t>(lf - data) + 1 : size;
  line_.append(data, n);
  used = n;
  if (line_.size() > kMaxLineBytes) {
    fail("chunk line too long");
    return false;
  }
  return lf != nullptr;
}

bool ResponseParser::parse_header() {
  std::string_view text(header_);
  const auto eol = text.find("\r\n");
  const std::string_view status_line = text.substr(0, eol);
  // "HTTP/1.1 200 OK"
  if (status_line.size() < 12 || status_line.substr(0, 5) != "HTTP/" || status_line[8] != ' ') {
    return fail("malformed status line: " + std::string(status_line.substr(0, 80)));
  }
  const bool http10 = status_line.substr(5, 3) == "1.0";
  auto [ptr, ec] = std::from_chars(status_line.data() + 9, status_line.data() + 12, status_);
  if (ec != std::errc() || ptr != status_line.data() + 12 || status_ < 100 || status_ > 999) {
    return fail("malformed status code: " + std::string(status_line.substr(0, 80)));
  }
  keep_alive_ = !http10;
  bool chunked = false;
  bool have_length = false;
  std::uint64_t length = 0;
  text.remove_prefix(eol + 2);
  while (!text.empty()) {
    const auto end = text.find("\r\n");
    const std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 2);
    if (line.empty()) break;
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) return fail("malformed header line");
    const std::string_view name = line.substr(0, colon);
    const std::string_view value = trim(line.substr(colon + 1));
    if (iequals(name, "content-length")) {
      auto [p, e] = std::from_chars(value.data(), value.data() + value.size(), length);
      if (e != std::errc() || p != value.data() + value.size()) return fail("bad Content-Length");
      have_length = true;
    } else if (iequals(name, "transfer-encoding")) {
      chunked = has_token(value, "chunked");
    } else if (iequals(name, "connection")) {
      if (has_token(value, "close")) keep_alive_ = false;
      if (has_token(value, "keep-alive")) keep_alive_ = true;
    }
  }
  if (status_ >= 100 && status_ < 200 && status_ != 101) {  // interim (100 Continue): the real one follows
    header_.clear();
    return true;
  }
  if (no_body_ || status_ == 204 || status_ == 304) {
    finish();
  } else if (chunked) {
    phase_ = Phase::chunk_size;
  } else if (have_length) {
    remaining_ = length;
    if (remaining_ == 0)
      finish();
    else
      phase_ = Phase::body_length;
  } else {
    phase_ = Phase::body_until_close;
    keep_alive_ = false;
  }
  return true;
}

std::size_t ResponseParser::feed(const char* data, std::size_t size) {
  std::size_t pos = 0;
  while (pos < size && state_ == State::need_more) {
    const char* p = data + pos;
    const std::size_t avail = size - pos;
    switch (phase_) {
      case Phase::header: {
        // Look for the blank line, starting a little before the new bytes in case it straddles.
        const std::size_t old = header_.size();
        header_.append(p, avail);
        const auto from = old >= 3 ? old - 3 : 0;
        const auto end = header_.find("\r\n\r\n", from);
        if (end == std::string::npos) {
          if (header_.size() > kMaxHeaderBytes) fail("response header too large");
          pos = size;
          break;
        }
        const std::size_t used = end + 4 - old;
        header_.resize(end + 4);
        pos += used;
        parse_header();
        break;
      }
      case Phase::body_length: {
        const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, avail));
        if (keep_body_) body_.append(p, n);
        remaining_ -= n;
        pos += n;
        if (remaining_ == 0) finish();
        break;
      }
      case Phase::body_until_close:
        if (keep_body_) body_.append(p, avail);
        pos = size;
        break;
      case Phase::chunk_size: {
        std::size_t used = 0;
        const bool complete = take_line(p, avail, used);
        pos += used;
        if (!complete) break;
        std::string_view line(line_);
        line = line.substr(0, line.find_first_of(";\r\n"));  // drop extensions and CRLF
        line = trim(line);
        std::uint64_t chunk = 0;
        auto [q, e] = std::from_chars(line.data(), line.data() + line.size(), chunk, 16);
        if (line.empty() || e != std::errc() || q != line.data() + line.size()) {
          fail("bad chunk size");
          break;
        }
        line_.clear();
        if (chunk == 0) {
          phase_ = Phase::trailer;
        } else {
          remaining_ = chunk;
          phase_ = Phase::chunk_data;
        }
        break;
      }
      case Phase::chunk_data: {
        const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, avail));
        if (keep_body_) body_.append(p, n);
        remaining_ -= n;
        pos += n;
        if (remaining_ == 0) phase_ = Phase::chunk_data_end;
        break;
      }
      case Phase::chunk_data_end: {
        std::size_t used = 0;
        const bool complete = take_line(p, avail, used);
        pos += used;
        if (!complete) break;
        if (line_ != "\r\n" && line_ != "\n") {
          fail("missing CRLF after chunk data");
          break;
        }
        line_.clear();
        phase_ = Phase::chunk_size;
        break;
      }
      case Phase::trailer: {
        std::size_t used = 0;
        const bool complete = take_line(p, avail, used);
        pos += used;
        if (!complete) break;
        const bool blank = line_ == "\r\n" || line_ == "\n";
        line_.clear();
        if (blank) finish();
        break;
      }
      case Phase::done:
        return pos;
    }
  }
  return pos;
}

ResponseParser::State ResponseParser::on_eof() {
  if (state_ != State::need_more) return state_;
  if (phase_ == Phase::body_until_close) {
    finish();
  } else {
    fail(phase_ == Phase::header && header_.empty() ? "connection closed before a response"
                                                    : "connection closed mid-response");
  }
  return state_;
}

}  // namespace fanout::bench
