// The reference system's `.env` (ACCESS_KEY, SECRET_KEY, ARN, URL_ORDERS, URL_PAYMENTS): NAME=value
// lines, '#' comments, optional "export " and quotes. Errors name the file, line and variable.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>

namespace fanout::client {

class DotEnv {
 public:
  // Throws ConfigError for a line that is not NAME=value (naming the file and line number).
  static DotEnv parse(const std::string& text, const std::string& origin);
  // Throws ConfigError when the file cannot be read.
  static DotEnv load(const std::filesystem::path& path);

  std::optional<std::string> get(const std::string& name) const;
  // Throws ConfigError "<origin>: missing required variable NAME" when absent or empty.
  std::string require(const std::string& name) const;
  const std::string& origin() const { return origin_; }

 private:
  std::string origin_;
  std::map<std::string, std::string> values_;
};

}  // namespace fanout::client
