#include "sigv4_test_support.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace fanout::auth::testing {

std::filesystem::path conformance_dir() {
  const char* shared =
      std::getenv("FANOUT_SHARED_DIR");  // NOLINT(concurrency-mt-unsafe): tests never set the environment
  std::filesystem::path base = shared && *shared ? shared : FANOUT_SHARED_DIR_DEFAULT;
  return base / "conformance";
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

HttpRequest parse_request_text(std::string_view text) {
  HttpRequest request;
  std::size_t pos = 0;
  auto next_line = [&](std::string_view& line) {
    if (pos > text.size()) return false;
    auto end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    line = text.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos = end + 1;
    return true;
  };
  std::string_view line;
  if (!next_line(line)) throw std::runtime_error("empty request");
  const auto space = line.find(' ');
  const auto version = line.rfind(" HTTP/");
  if (space == std::string_view::npos || version == std::string_view::npos || version < space) {
    throw std::runtime_error("bad request line: " + std::string(line));
  }
  request.method = std::string(line.substr(0, space));
  request.target = std::string(line.substr(space + 1, version - space - 1));
  while (next_line(line)) {
    if (line.empty()) {
      if (pos <= text.size()) request.body = std::string(text.substr(pos));
      break;
    }
    if (line.front() == ' ' || line.front() == '\t') {
      if (request.headers.empty()) throw std::runtime_error("continuation before any header");
      const auto first = line.find_first_not_of(" \t");
      request.headers.back().second += ' ';
      request.headers.back().second += std::string(line.substr(first));
      continue;
    }
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) throw std::runtime_error("bad header line: " + std::string(line));
    request.headers.emplace_back(std::string(line.substr(0, colon)), std::string(line.substr(colon + 1)));
  }
  return request;
}

std::int64_t parse_timestamp(std::string_view text) {
  std::string compact;
  for (char c : text) {
    if (c != '-' && c != ':') compact += c;
  }
  const auto seconds = parse_amz_date(compact);
  if (!seconds) throw std::runtime_error("bad timestamp " + std::string(text));
  return *seconds;
}

std::string latin1_from_utf8(std::string_view utf8) {
  std::string out;
  for (std::size_t i = 0; i < utf8.size(); ++i) {
    const auto c = static_cast<unsigned char>(utf8[i]);
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else if ((c & 0xe0) == 0xc0 && i + 1 < utf8.size()) {
      const unsigned cp = ((c & 0x1f) << 6) | (static_cast<unsigned char>(utf8[i + 1]) & 0x3f);
      if (cp > 0xff) throw std::runtime_error("code point above 0xff in a latin-1 body");
      out += static_cast<char>(cp);
      ++i;
    } else {
      throw std::runtime_error("code point above 0xff in a latin-1 body");
    }
  }
  return out;
}

std::vector<WireCapture> load_wire_captures() {
  std::vector<WireCapture> captures;
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(conformance_dir() / "wire-captures")) {
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& file : files) {
    const auto records = boost::json::parse(read_file(file)).as_array();
    for (const auto& value : records) {
      const auto& record = value.as_object();
      WireCapture capture;
      capture.file = file.filename().string();
      capture.sdk = std::string(record.at("sdk").as_string());
      capture.call = std::string(record.at("call").as_string());
      capture.request.method = std::string(record.at("method").as_string());
      capture.request.target = std::string(record.at("target").as_string());
      for (const auto& header : record.at("headers").as_array()) {
        const auto& pair = header.as_array();
        capture.request.headers.emplace_back(std::string(pair.at(0).as_string()),
                                             std::string(pair.at(1).as_string()));
      }
      capture.request.body = latin1_from_utf8(record.at("body").as_string());
      captures.push_back(std::move(capture));
    }
  }
  return captures;
}

std::string test_name(std::string_view text) {
  std::string out;
  for (char c : text) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    out += ok ? c : '_';
  }
  return out;
}

}  // namespace fanout::auth::testing
