#include "client/request_signer.h"

namespace fanout::client {

auth::SigningResult sign_for_service(auth::HttpRequest& request, const auth::Credentials& credentials,
                                     const SignerSettings& settings, std::int64_t now_seconds) {
  auth::SigningOptions options;
  options.region = settings.region;
  options.service = settings.signing_name;
  options.time_seconds = now_seconds;
  const bool s3 = settings.signing_name == "s3";
  options.normalize_path = !s3;
  options.sign_body = s3;
  return auth::sign_request(request, credentials, options);
}

}  // namespace fanout::client
