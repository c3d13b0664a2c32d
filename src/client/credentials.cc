#include "client/credentials.h"

#include "client/aws_error.h"
#include "client/dot_env.h"
#include "client/profile.h"

namespace fanout::client {

ResolvedCredentials resolve_credentials(const EnvLookup& env, const Profile& profile, const DotEnv* dot_env) {
  const auto env_key = env("AWS_ACCESS_KEY_ID");
  const auto env_secret = env("AWS_SECRET_ACCESS_KEY");
  if (env_key && env_secret) {
    return {{*env_key, *env_secret, env("AWS_SESSION_TOKEN").value_or("")}, "environment"};
  }
  if (env_key || env_secret) {
    throw ConfigError(std::string("environment: ") +
                      (env_key ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID") + " is not set but " +
                      (env_key ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY") + " is");
  }

  const auto profile_key = profile.get("aws_access_key_id");
  const auto profile_secret = profile.get("aws_secret_access_key");
  const std::string where =
      "profile " + profile.name + " (" + profile.credentials_path + ", " + profile.config_path + ")";
  if (profile_key && profile_secret) {
    return {{*profile_key, *profile_secret, profile.get("aws_session_token").value_or("")}, where};
  }
  if (profile_key || profile_secret) {
    throw ConfigError(where + ": " + (profile_key ? "aws_secret_access_key" : "aws_access_key_id") +
                      " is missing");
  }
  if (profile.explicitly_selected && !profile.found) {
    throw ConfigError("AWS_PROFILE selects profile '" + profile.name + "', which is in neither " +
                      profile.credentials_path + " nor " + profile.config_path);
  }

  if (dot_env != nullptr) {
    return {{dot_env->require("ACCESS_KEY"), dot_env->require("SECRET_KEY"),
             dot_env->get("SESSION_TOKEN").value_or("")},
            dot_env->origin()};
  }
  throw ConfigError(
      "no AWS credentials: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, configure a profile in " +
      profile.credentials_path + ", or provide a .env with ACCESS_KEY and SECRET_KEY");
}

}  // namespace fanout::client
