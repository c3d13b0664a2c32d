#include "services/s3/bucket_name.h"

#include <array>

namespace fanout::services::s3 {
namespace {

bool looks_like_ipv4(std::string_view name) {
  int dots = 0;
  for (char c : name) {
    if (c == '.') {
      ++dots;
    } else if (c < '0' || c > '9') {
      return false;
    }
  }
  return dots == 3;
}

}  // namespace

bool valid_bucket_name(std::string_view name) {
  if (name.size() < 3 || name.size() > 63) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
    if (!ok) return false;
  }
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(name.front()) || !alnum(name.back())) return false;
  if (name.find("..") != std::string_view::npos || name.find(".-") != std::string_view::npos ||
      name.find("-.") != std::string_view::npos) {
    return false;
  }
  if (looks_like_ipv4(name)) return false;
  constexpr std::array<std::string_view, 4> kReservedPrefixes = {"xn--", "sthree-", "sthree-configurator",
                                                                 "amzn-s3-demo-"};
  for (auto prefix : kReservedPrefixes) {
    if (name.starts_with(prefix)) return false;
  }
  constexpr std::array<std::string_view, 5> kReservedSuffixes = {"-s3alias", "--ol-s3", ".mrap", "--x-s3",
                                                                 "--table-s3"};
  for (auto suffix : kReservedSuffixes) {
    if (name.ends_with(suffix)) return false;
  }
  return true;
}

}  // namespace fanout::services::s3
