// How the client signs: SigV4 from the same module fanoutd verifies with, with the per-service
// rules the SDKs apply (S3: URI not normalised, payload hash signed in x-amz-content-sha256).
#pragma once

#include <cstdint>
#include <string>

#include "auth/sigv4.h"

namespace fanout::client {

struct SignerSettings {
  std::string region;
  std::string signing_name;  // "sqs", "sns", "firehose", "s3", "cloudformation"
};

auth::SigningResult sign_for_service(auth::HttpRequest& request, const auth::Credentials& credentials,
                                     const SignerSettings& settings, std::int64_t now_seconds);

}  // namespace fanout::client
