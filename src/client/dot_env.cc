#include "client/dot_env.h"

#include <cctype>
#include <fstream>
#include <sstream>

#include "client/aws_error.h"

namespace fanout::client {
namespace {

std::string trim_line(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r");
  if (first == std::string::npos) return {};
  const auto last = text.find_last_not_of(" \t\r");
  return text.substr(first, last - first + 1);
}

bool is_valid_name(const std::string& name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

}  // namespace

DotEnv DotEnv::parse(const std::string& text, const std::string& origin) {
  DotEnv env;
  env.origin_ = origin;
  std::istringstream lines(text);
  std::string line;
  int number = 0;
  while (std::getline(lines, line)) {
    ++number;
    std::string trimmed = trim_line(line);
    if (trimmed.empty() || trimmed[0] == '#') continue;
    if (trimmed.rfind("export ", 0) == 0) trimmed = trim_line(trimmed.substr(7));
    const auto eq = trimmed.find('=');
    const std::string where = origin + ":" + std::to_string(number);
    if (eq == std::string::npos) {
      throw ConfigError(
          std::string(where).append(": malformed line (expected NAME=value): ").append(trimmed));
    }
    const std::string name = trim_line(trimmed.substr(0, eq));
    if (!is_valid_name(name)) {
      throw ConfigError(std::string(where)
                            .append(": malformed variable name '")
                            .append(name)
                            .append("' (expected NAME=value)"));
    }
    std::string value = trim_line(trimmed.substr(eq + 1));
    if (!value.empty() && (value.front() == '"' || value.front() == '\'')) {
      if (value.size() < 2 || value.back() != value.front()) {
        throw ConfigError(std::string(where).append(": unterminated quoted value for ").append(name));
      }
      value = value.substr(1, value.size() - 2);
    } else if (const auto hash = value.find(" #"); hash != std::string::npos) {
      value = trim_line(value.substr(0, hash));
    }
    env.values_[name] = value;
  }
  return env;
}

DotEnv DotEnv::load(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw ConfigError(path.string() + ": cannot read the .env file");
  std::ostringstream text;
  text << in.rdbuf();
  return parse(text.str(), path.string());
}

std::optional<std::string> DotEnv::get(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end() || it->second.empty()) return std::nullopt;
  return it->second;
}

std::string DotEnv::require(const std::string& name) const {
  auto value = get(name);
  if (!value) throw ConfigError(origin_ + ": missing required variable " + name);
  return *value;
}

}  // namespace fanout::client
