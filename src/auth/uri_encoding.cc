#include "auth/uri_encoding.h"

namespace fanout::auth::detail {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

bool is_unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

std::string uri_encode(std::string_view bytes, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(bytes.size() + bytes.size() / 2);
  for (char ch : bytes) {
    const auto c = static_cast<unsigned char>(ch);
    if (is_unreserved(c) || (keep_slash && c == '/')) {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0x0f];
    }
  }
  return out;
}

std::string percent_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%' && i + 2 < text.size()) {
      const int hi = hex_value(text[i + 1]);
      const int lo = hex_value(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += (plus_is_space && c == '+') ? ' ' : c;
  }
  return out;
}

TargetParts split_target(std::string_view target) {
  // Absolute-form ("http://host/path?q") is legal HTTP/1.1 (proxies send it); SigV4 signs the path.
  for (std::string_view scheme : {std::string_view("http://"), std::string_view("https://")}) {
    if (target.size() >= scheme.size()) {
      bool match = true;
      for (std::size_t i = 0; i < scheme.size(); ++i) {
        char c = target[i];
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        if (c != scheme[i]) {
          match = false;
          break;
        }
      }
      if (match) {
        target.remove_prefix(scheme.size());
        const auto slash = target.find_first_of("/?");
        target = slash == std::string_view::npos ? std::string_view() : target.substr(slash);
        break;
      }
    }
  }
  TargetParts parts;
  const auto q = target.find('?');
  parts.path = target.substr(0, q);
  if (q != std::string_view::npos) parts.query = target.substr(q + 1);
  // A fragment never reaches a server, but a hand-built target could carry one.
  const auto hash = parts.query.find('#');
  if (hash != std::string_view::npos) parts.query = parts.query.substr(0, hash);
  return parts;
}

QueryParams parse_query(std::string_view raw_query) {
  QueryParams params;
  std::size_t start = 0;
  while (start <= raw_query.size()) {
    auto end = raw_query.find('&', start);
    if (end == std::string_view::npos) end = raw_query.size();
    const std::string_view piece = raw_query.substr(start, end - start);
    if (!piece.empty()) {
      const auto eq = piece.find('=');
      if (eq == std::string_view::npos) {
        params.emplace_back(percent_decode(piece, true), std::string());
      } else {
        params.emplace_back(percent_decode(piece.substr(0, eq), true),
                            percent_decode(piece.substr(eq + 1), true));
      }
    }
    start = end + 1;
  }
  return params;
}

}  // namespace fanout::auth::detail
