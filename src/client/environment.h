// Where configuration is looked up: the process environment, or a map in tests.
#pragma once

#include <cstdlib>
#include <functional>
#include <map>
#include <optional>
#include <string>

namespace fanout::client {

// Returns the variable's value; nullopt when unset. An empty value counts as unset, as in the SDKs.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

inline EnvLookup process_environment() {
  return [](const std::string& name) -> std::optional<std::string> {
    // getenv only races with setenv/putenv, which neither this library nor its programs call.
    const char* value = std::getenv(name.c_str());  // NOLINT(concurrency-mt-unsafe): see above
    if (value == nullptr || *value == '\0') return std::nullopt;
    return std::string(value);
  };
}

inline EnvLookup map_environment(std::map<std::string, std::string> values) {
  return [values = std::move(values)](const std::string& name) -> std::optional<std::string> {
    auto it = values.find(name);
    if (it == values.end() || it->second.empty()) return std::nullopt;
    return it->second;
  };
}

}  // namespace fanout::client
