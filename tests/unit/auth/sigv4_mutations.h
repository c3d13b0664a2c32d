// Tampering with a correctly signed request, one element at a time, to check that the verifier
// notices each change and names the right failure.
#pragma once

#include <cstdint>
#include <string>

#include "auth/sigv4.h"

namespace fanout::auth::testing {

struct VerifyContext {
  std::string secret;
  bool normalize_path = true;
  std::int64_t now = 0;  // the vector's signing time
};

// The signed request must verify as given; then every mutation must be rejected.
void expect_accepted_and_tamper_evident(const HttpRequest& signed_request, const VerifyContext& context);

// parse_auth + verify_request; nullopt when accepted. Parse errors are returned as they are.
std::optional<AuthError> authenticate(const HttpRequest& request, const VerifyContext& context);

}  // namespace fanout::auth::testing
