#include "services/s3/s3_xml.h"

#include <cstdio>
#include <ctime>
#include <pugixml.hpp>

namespace fanout::services::s3 {
namespace {

bool load(pugi::xml_document& doc, std::string_view xml) {
  return static_cast<bool>(doc.load_buffer(xml.data(), xml.size(), pugi::parse_default, pugi::encoding_utf8));
}

// Element names are matched without a namespace prefix; clients send the S3 xmlns or none.
pugi::xml_node child(const pugi::xml_node& node, const char* name) { return node.child(name); }

std::optional<int> to_int(const char* text) {
  std::string_view s(text);
  while (!s.empty() && (s.front() == ' ' || s.front() == '\n' || s.front() == '\t' || s.front() == '\r'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  if (s.empty() || s.size() > 9) return std::nullopt;
  int value = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

}  // namespace

std::optional<DeleteObjectsRequest> parse_delete_objects(std::string_view xml) {
  pugi::xml_document doc;
  if (!load(doc, xml)) return std::nullopt;
  auto root = doc.child("Delete");
  if (!root) return std::nullopt;
  DeleteObjectsRequest out;
  out.quiet = std::string_view(child(root, "Quiet").text().as_string()) == "true";
  for (auto object : root.children("Object")) {
    auto key = child(object, "Key");
    if (!key) return std::nullopt;
    out.keys.emplace_back(key.text().as_string());
  }
  if (out.keys.empty() || out.keys.size() > 1000) return std::nullopt;
  return out;
}

std::optional<std::vector<CompletedPart>> parse_complete_multipart(std::string_view xml) {
  pugi::xml_document doc;
  if (!load(doc, xml)) return std::nullopt;
  auto root = doc.child("CompleteMultipartUpload");
  if (!root) return std::nullopt;
  std::vector<CompletedPart> parts;
  for (auto part : root.children("Part")) {
    auto number = to_int(child(part, "PartNumber").text().as_string());
    if (!number) return std::nullopt;
    parts.push_back({*number, child(part, "ETag").text().as_string()});
  }
  if (parts.empty()) return std::nullopt;
  return parts;
}

std::optional<std::string> parse_create_bucket_configuration(std::string_view xml) {
  bool blank = true;
  for (char c : xml) blank = blank && (c == ' ' || c == '\n' || c == '\r' || c == '\t');
  if (blank) return std::string();
  pugi::xml_document doc;
  if (!load(doc, xml)) return std::nullopt;
  auto root = doc.child("CreateBucketConfiguration");
  if (!root) return std::nullopt;
  return std::string(child(root, "LocationConstraint").text().as_string());
}

std::optional<Tags> parse_tagging(std::string_view xml) {
  pugi::xml_document doc;
  if (!load(doc, xml)) return std::nullopt;
  auto set = doc.child("Tagging").child("TagSet");
  if (!set) return std::nullopt;
  Tags tags;
  for (auto tag : set.children("Tag")) {
    if (!child(tag, "Key")) return std::nullopt;
    tags.emplace_back(child(tag, "Key").text().as_string(), child(tag, "Value").text().as_string());
  }
  return tags;
}

std::string http_date(std::int64_t epoch_ms) {
  std::time_t seconds = static_cast<std::time_t>(epoch_ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

std::optional<std::int64_t> parse_http_date_ms(std::string_view text) {
  std::string s(text);
  for (const char* format : {"%a, %d %b %Y %H:%M:%S GMT", "%A, %d-%b-%y %H:%M:%S GMT", "%a %b %d %H:%M:%S %Y",
                             "%Y-%m-%dT%H:%M:%S"}) {
    std::tm tm{};
    const char* end = strptime(s.c_str(), format, &tm);
    if (end && (*end == '\0' || *end == 'Z' || *end == '.'))
      return static_cast<std::int64_t>(timegm(&tm)) * 1000;
  }
  return std::nullopt;
}

}  // namespace fanout::services::s3
