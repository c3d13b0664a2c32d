#include "client/profile.h"

namespace fanout::client {
namespace {

std::string home_path(const EnvLookup& env, const std::string& relative) {
  return env("HOME").value_or("") + "/" + relative;
}

}  // namespace

std::optional<std::string> Profile::get(const std::string& key) const {
  auto it = settings.find(key);
  if (it == settings.end() || it->second.empty()) return std::nullopt;
  return it->second;
}

Profile load_profile(const EnvLookup& env) {
  Profile profile;
  const auto selected = env("AWS_PROFILE");
  profile.explicitly_selected = selected.has_value();
  profile.name = selected.value_or("default");
  profile.config_path = env("AWS_CONFIG_FILE").value_or(home_path(env, ".aws/config"));
  profile.credentials_path = env("AWS_SHARED_CREDENTIALS_FILE").value_or(home_path(env, ".aws/credentials"));

  // The config file names sections "[profile NAME]", except "[default]".
  if (auto config = read_ini_file(profile.config_path)) {
    const std::string section = profile.name == "default" ? "default" : "profile " + profile.name;
    auto it = config->find(section);
    if (it == config->end() && profile.name == "default") it = config->find("profile default");
    if (it != config->end()) {
      profile.found = true;
      profile.settings = it->second;
    }
  }
  if (auto credentials = read_ini_file(profile.credentials_path)) {
    if (auto it = credentials->find(profile.name); it != credentials->end()) {
      profile.found = true;
      for (const auto& [key, value] : it->second) profile.settings[key] = value;
    }
  }
  return profile;
}

}  // namespace fanout::client
