#include "services/s3/s3_address.h"

#include <array>

#include "common/ascii_text.h"
#include "common/percent_encoding.h"

namespace fanout::services::s3 {
namespace {

// The bucket named by a virtual-hosted Host, or "" for a path-style host.
std::string bucket_from_host(std::string host) {
  if (host.empty() || host.front() == '[') return {};
  if (auto colon = host.rfind(':'); colon != std::string::npos) host.resize(colon);
  host = ascii::lower(host);
  bool numeric = true;
  for (char c : host) numeric = numeric && ((c >= '0' && c <= '9') || c == '.');
  if (numeric) return {};
  constexpr std::array<std::string_view, 5> kSuffixes = {".s3.localhost.localstack.cloud",
                                                         ".localhost.localstack.cloud", ".s3.localhost",
                                                         ".localhost", ".s3.amazonaws.com"};
  for (auto suffix : kSuffixes) {
    if (host.size() > suffix.size() && host.ends_with(suffix)) {
      std::string bucket = host.substr(0, host.size() - suffix.size());
      // "s3.localhost.localstack.cloud" itself is the service endpoint, not a bucket "s3".
      if (bucket == "s3") return {};
      return bucket;
    }
  }
  // <bucket>.s3.<region>.amazonaws.com / <bucket>.s3-<region>.amazonaws.com
  if (host.ends_with(".amazonaws.com")) {
    auto s3 = host.rfind(".s3.");
    if (s3 == std::string::npos) s3 = host.rfind(".s3-");
    if (s3 != std::string::npos && s3 > 0) return host.substr(0, s3);
  }
  return {};
}

}  // namespace

S3Address resolve_address(std::string_view host, std::string_view path) {
  S3Address address;
  std::string_view rest = path;
  if (!rest.empty() && rest.front() == '/') rest.remove_prefix(1);
  address.bucket = bucket_from_host(std::string(host));
  if (!address.bucket.empty()) {
    address.virtual_host = true;
    address.key = percent_encoding::decode_lenient(rest, false);
    return address;
  }
  auto slash = rest.find('/');
  address.bucket = percent_encoding::decode_lenient(rest.substr(0, slash), false);
  if (slash != std::string_view::npos)
    address.key = percent_encoding::decode_lenient(rest.substr(slash + 1), false);
  return address;
}

}  // namespace fanout::services::s3
