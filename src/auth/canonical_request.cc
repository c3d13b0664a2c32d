#include "auth/canonical_request.h"

#include <algorithm>

#include "common/ascii_text.h"
#include "common/crypto.h"
#include "common/percent_encoding.h"

namespace fanout::auth::detail {
namespace {

bool is_sigv4_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

std::string_view trim_sigv4(std::string_view s) {
  while (!s.empty() && is_sigv4_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_sigv4_space(s.back())) s.remove_suffix(1);
  return s;
}

// S3 canonical path: escapes the client already made are kept, anything else illegal is escaped.
std::string encode_once(std::string_view path) {
  std::string out;
  out.reserve(path.size() + path.size() / 2);
  std::size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '%' && i + 2 < path.size() && is_hex(path[i + 1]) && is_hex(path[i + 2])) {
      out.append(path.substr(i, 3));
      i += 3;
      continue;
    }
    // Up to the next '%' (a lone '%' included, which becomes %25): percent-encoding as elsewhere.
    const std::size_t next = std::min(path.find('%', i + 1), path.size());
    percent_encoding::append_encoded(out, path.substr(i, next - i), /*keep_slash=*/true);
    i = next;
  }
  return out;
}

}  // namespace

std::string remove_dot_segments(std::string_view path) {
  if (path.empty()) return "/";
  std::vector<std::string_view> kept;
  std::size_t start = 0;
  while (start <= path.size()) {
    auto end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    const std::string_view segment = path.substr(start, end - start);
    if (segment == "..") {
      if (!kept.empty()) kept.pop_back();
    } else if (!segment.empty() && segment != ".") {
      kept.push_back(segment);
    }
    start = end + 1;
  }
  std::string out;
  out.reserve(path.size());
  if (path.front() == '/') out += '/';
  for (std::size_t i = 0; i < kept.size(); ++i) {
    if (i > 0) out += '/';
    out.append(kept[i]);
  }
  if (path.back() == '/' && !kept.empty()) out += '/';
  return out;
}

std::string canonical_uri(std::string_view raw_path, bool normalize_path) {
  if (raw_path.empty()) return "/";
  if (normalize_path) return percent_encoding::encode(remove_dot_segments(raw_path), /*keep_slash=*/true);
  return encode_once(raw_path);
}

std::string canonical_query_string(const QueryParams& decoded) {
  std::vector<std::pair<std::string, std::string>> encoded;
  encoded.reserve(decoded.size());
  for (const auto& [key, value] : decoded)
    encoded.emplace_back(percent_encoding::encode(key), percent_encoding::encode(value));
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (const auto& [key, value] : encoded) {
    if (!out.empty()) out += '&';
    out += key;
    out += '=';
    out += value;
  }
  return out;
}

std::string canonical_header_value(std::string_view value) {
  value = trim_sigv4(value);
  std::string out;
  out.reserve(value.size());
  bool in_space = false;
  for (char c : value) {
    if (is_sigv4_space(c)) {
      in_space = true;
      continue;
    }
    if (in_space) out += ' ';
    in_space = false;
    out += c;
  }
  return out;
}

std::string canonical_headers(const std::vector<Header>& headers,
                              const std::vector<std::string>& signed_names) {
  // Only the signed headers are canonicalised (a request carries several unsigned ones, and this
  // runs on every request). A name signed twice, or sent twice, joins its values in request order.
  std::vector<std::string> values(signed_names.size());
  std::vector<bool> seen(signed_names.size(), false);
  for (const auto& [name, value] : headers) {
    const std::string_view trimmed = trim_sigv4(name);
    for (std::size_t i = 0; i < signed_names.size(); ++i) {
      if (!ascii::iequals(trimmed, signed_names[i])) continue;
      if (seen[i]) values[i] += ',';
      seen[i] = true;
      values[i] += canonical_header_value(value);
    }
  }
  std::string out;
  for (std::size_t i = 0; i < signed_names.size(); ++i) {
    out += signed_names[i];
    out += ':';
    out += values[i];
    out += '\n';
  }
  return out;
}

std::string join_signed_headers(const std::vector<std::string>& signed_names) {
  std::string out;
  for (const auto& name : signed_names) {
    if (!out.empty()) out += ';';
    out += name;
  }
  return out;
}

std::string build_canonical_request(std::string_view method, std::string_view uri, std::string_view query,
                                    std::string_view headers_block, std::string_view signed_headers,
                                    std::string_view payload_hash) {
  std::string out;
  out.reserve(method.size() + uri.size() + query.size() + headers_block.size() + signed_headers.size() +
              payload_hash.size() + 5);
  out.append(method).append("\n");
  out.append(uri).append("\n");
  out.append(query).append("\n");
  out.append(headers_block).append("\n");
  out.append(signed_headers).append("\n");
  out.append(payload_hash);
  return out;
}

std::string credential_scope(std::string_view date, std::string_view region, std::string_view service) {
  std::string out;
  out.append(date).append("/").append(region).append("/").append(service).append("/aws4_request");
  return out;
}

std::string build_string_to_sign(std::string_view amz_date, std::string_view scope,
                                 std::string_view canonical_request) {
  std::string out(kAlgorithm);
  out.append("\n").append(amz_date).append("\n").append(scope).append("\n");
  out.append(crypto::hex(crypto::sha256(canonical_request)));
  return out;
}

const std::string* find_header(const std::vector<Header>& headers, std::string_view name) {
  for (const auto& header : headers) {
    if (ascii::iequals(trim_sigv4(header.first), name)) return &header.second;
  }
  return nullptr;
}

bool is_sha256_hex(std::string_view text) {
  return text.size() == 64 && std::all_of(text.begin(), text.end(), is_hex);
}

}  // namespace fanout::auth::detail
