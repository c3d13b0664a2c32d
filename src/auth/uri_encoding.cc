#include "auth/uri_encoding.h"

#include "common/percent_encoding.h"

namespace fanout::auth::detail {

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
        params.emplace_back(percent_encoding::decode_lenient(piece, true), std::string());
      } else {
        params.emplace_back(percent_encoding::decode_lenient(piece.substr(0, eq), true),
                            percent_encoding::decode_lenient(piece.substr(eq + 1), true));
      }
    }
    start = end + 1;
  }
  return params;
}

}  // namespace fanout::auth::detail
