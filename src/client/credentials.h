// The credential chain: environment, then the shared-file profile, then the reference system's
// `.env` (ACCESS_KEY / SECRET_KEY).
#pragma once

#include <string>

#include "auth/sigv4.h"
#include "client/environment.h"

namespace fanout::client {

class DotEnv;
struct Profile;

struct ResolvedCredentials {
  auth::Credentials credentials;
  std::string source;  // where they came from, for logs: "environment", "profile default (path)", ".env path"
};

// Throws ConfigError naming what is missing: a half-set environment pair, a selected profile
// that does not exist or lacks a key, or (when only the .env is left) its missing variable.
ResolvedCredentials resolve_credentials(const EnvLookup& env, const Profile& profile, const DotEnv* dot_env);

}  // namespace fanout::client
