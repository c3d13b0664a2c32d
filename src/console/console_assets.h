// The web console's static files, embedded at build time by tools/embed_console.py.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace fanout::console {

struct Asset {
  std::string_view content_type;
  std::string_view bytes;
};

// By path relative to /_fanout/console/ ("index.html", "vendor/uPlot.iife.min.js").
const std::map<std::string, Asset, std::less<>>& console_assets();

}  // namespace fanout::console
