// Value-level pieces of the filter engine: numbers, IP addresses, case folding, one pattern
// against one leaf value.
#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>

#include "common/ascii_text.h"
#include "services/sns/filter_policy_internal.h"

namespace fanout::services::sns::filter {

Number make_number(double value) {
  Number n;
  n.value = value;
  if (std::isfinite(value) && std::fabs(value) <= kNumberLimit) n.scaled = std::llround(value * kNumberScale);
  return n;
}

bool numbers_equal(const Number& a, const Number& b) {
  if (a.scaled && b.scaled) return *a.scaled == *b.scaled;
  return a.value == b.value;
}

std::optional<IpAddress> parse_ip(std::string_view text) {
  if (text.empty() || text.size() > 45) return std::nullopt;
  char buffer[64];
  std::memcpy(buffer, text.data(), text.size());
  buffer[text.size()] = '\0';
  IpAddress ip;
  if (text.find(':') == std::string_view::npos) {
    if (inet_pton(AF_INET, buffer, ip.bytes.data()) != 1) return std::nullopt;
  } else {
    if (inet_pton(AF_INET6, buffer, ip.bytes.data()) != 1) return std::nullopt;
    ip.v6 = true;
  }
  return ip;
}

bool Cidr::contains(const IpAddress& ip) const {
  if (ip.v6 != base.v6) return false;
  int whole = bits / 8;
  if (!std::equal(ip.bytes.begin(), ip.bytes.begin() + whole, base.bytes.begin())) return false;
  int rest = bits % 8;
  if (rest == 0) return true;
  auto mask = static_cast<std::uint8_t>(0xFF << (8 - rest));
  return (ip.bytes[whole] & mask) == (base.bytes[whole] & mask);
}

std::optional<Cidr> parse_cidr(std::string_view text, std::string& error) {
  auto slash = text.find('/');
  if (slash == std::string_view::npos || text.find('/', slash + 1) != std::string_view::npos) {
    error = "Malformed CIDR, one '/' required";
    return std::nullopt;
  }
  auto address = parse_ip(text.substr(0, slash));
  if (!address) {
    error = "Malformed CIDR, invalid IP address: " + std::string(text.substr(0, slash));
    return std::nullopt;
  }
  auto bits_text = text.substr(slash + 1);
  int bits = -1;
  auto [end, ec] = std::from_chars(bits_text.data(), bits_text.data() + bits_text.size(), bits);
  if (bits_text.empty() || ec != std::errc{} || end != bits_text.data() + bits_text.size()) {
    error = "Malformed CIDR, mask bits must be an integer";
    return std::nullopt;
  }
  int max_bits = address->v6 ? 128 : 32;
  if (bits < 0 || bits > max_bits) {
    error = "Malformed CIDR, mask bits must be between 0 and " + std::to_string(max_bits);
    return std::nullopt;
  }
  return Cidr{*address, bits};
}

namespace {

std::optional<Number> number_of(const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::int64:
      return make_number(static_cast<double>(v.get_int64()));
    case boost::json::kind::uint64:
      return make_number(static_cast<double>(v.get_uint64()));
    case boost::json::kind::double_:
      return make_number(v.get_double());
    default:
      return std::nullopt;
  }
}

std::optional<std::string_view> string_of(const boost::json::value& v) {
  if (!v.is_string()) return std::nullopt;
  const auto& s = v.get_string();
  return std::string_view(s.data(), s.size());
}

struct Matcher {
  const boost::json::value& leaf;

  bool operator()(const pattern::ExactString& p) const {
    auto s = string_of(leaf);
    return s && *s == p.value;
  }
  bool operator()(const pattern::ExactNumber& p) const {
    auto n = number_of(leaf);
    return n && numbers_equal(*n, p.value);
  }
  bool operator()(const pattern::ExactBool& p) const { return leaf.is_bool() && leaf.get_bool() == p.value; }
  bool operator()(const pattern::ExactNull&) const { return leaf.is_null(); }
  bool operator()(const pattern::Prefix& p) const {
    auto s = string_of(leaf);
    return s && s->starts_with(p.value);
  }
  bool operator()(const pattern::Suffix& p) const {
    auto s = string_of(leaf);
    return s && s->ends_with(p.value);
  }
  bool operator()(const pattern::EqualsIgnoreCase& p) const {
    auto s = string_of(leaf);
    return s && ascii::iequals(*s, p.folded);
  }
  // anything-but matches every present value that is not one of the listed ones, whatever its type.
  bool operator()(const pattern::AnythingButStrings& p) const {
    auto s = string_of(leaf);
    return !s || std::find(p.values.begin(), p.values.end(), *s) == p.values.end();
  }
  bool operator()(const pattern::AnythingButNumbers& p) const {
    auto n = number_of(leaf);
    if (!n) return true;
    return std::none_of(p.values.begin(), p.values.end(),
                        [&](const Number& v) { return numbers_equal(*n, v); });
  }
  bool operator()(const pattern::AnythingButPrefix& p) const {
    auto s = string_of(leaf);
    return !s || !s->starts_with(p.value);
  }
  bool operator()(const pattern::AnythingButSuffix& p) const {
    auto s = string_of(leaf);
    return !s || !s->ends_with(p.value);
  }
  bool operator()(const pattern::AnythingButIgnoreCase& p) const {
    auto s = string_of(leaf);
    if (!s) return true;
    return std::none_of(p.folded.begin(), p.folded.end(),
                        [&](const std::string& v) { return ascii::iequals(*s, v); });
  }
  bool operator()(const pattern::NumericRange& p) const {
    auto n = number_of(leaf);
    if (!n || !n->scaled) return false;
    std::int64_t v = *n->scaled;
    if (p.low && (p.low_open ? v <= *p.low : v < *p.low)) return false;
    if (p.high && (p.high_open ? v >= *p.high : v > *p.high)) return false;
    return true;
  }
  bool operator()(const pattern::Exists&) const { return true; }
  bool operator()(const pattern::CidrMatch& p) const {
    auto s = string_of(leaf);
    if (!s) return false;
    auto ip = parse_ip(*s);
    return ip && p.cidr.contains(*ip);
  }
};

}  // namespace

bool pattern_matches(const Pattern& pattern, const boost::json::value& leaf) {
  return std::visit(Matcher{leaf}, pattern);
}

}  // namespace fanout::services::sns::filter
