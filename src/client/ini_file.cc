#include "client/ini_file.h"

#include <fstream>
#include <sstream>

namespace fanout::client {
namespace {

std::string trim_ini(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  const auto last = text.find_last_not_of(" \t\r\n");
  return text.substr(first, last - first + 1);
}

}  // namespace

IniFile parse_ini(const std::string& text) {
  IniFile file;
  IniSection* current = nullptr;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (!line.empty() && (line[0] == ' ' || line[0] == '\t')) continue;  // nested sub-setting
    const std::string trimmed = trim_ini(line);
    if (trimmed.empty() || trimmed[0] == '#' || trimmed[0] == ';') continue;
    if (trimmed.front() == '[' && trimmed.back() == ']') {
      current = &file[trim_ini(trimmed.substr(1, trimmed.size() - 2))];
      continue;
    }
    const auto eq = trimmed.find('=');
    if (eq == std::string::npos || current == nullptr) continue;
    (*current)[trim_ini(trimmed.substr(0, eq))] = trim_ini(trimmed.substr(eq + 1));
  }
  return file;
}

std::optional<IniFile> read_ini_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return parse_ini(text.str());
}

}  // namespace fanout::client
