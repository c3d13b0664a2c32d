// The shared AWS config/credentials file format: "[section]" headers and "key = value" lines.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>

namespace fanout::client {

using IniSection = std::map<std::string, std::string>;
using IniFile = std::map<std::string, IniSection>;

// Parses the text; comments start with '#' or ';'. Indented lines (nested settings such as
// "s3 =\n  addressing_style = path") are ignored, as the SDKs do for the keys this client reads.
IniFile parse_ini(const std::string& text);
// nullopt when the file does not exist.
std::optional<IniFile> read_ini_file(const std::filesystem::path& path);

}  // namespace fanout::client
