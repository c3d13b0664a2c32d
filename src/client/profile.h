// The active profile of the shared AWS files: ~/.aws/credentials and ~/.aws/config (or
// AWS_SHARED_CREDENTIALS_FILE / AWS_CONFIG_FILE), selected by AWS_PROFILE (default "default").
#pragma once

#include <optional>
#include <string>

#include "client/environment.h"
#include "client/ini_file.h"

namespace fanout::client {

struct Profile {
  std::string name;
  bool explicitly_selected = false;  // AWS_PROFILE was set
  bool found = false;                // a section for it exists in either file
  // Settings of both files merged; the credentials file wins for keys in both (as in botocore).
  IniSection settings;
  std::string credentials_path;
  std::string config_path;

  std::optional<std::string> get(const std::string& key) const;
};

Profile load_profile(const EnvLookup& env);

}  // namespace fanout::client
