#include "services/s3/object_meta.h"

#include <boost/json.hpp>

namespace fanout::services::s3 {
namespace json = boost::json;
namespace {

json::object map_to_json(const std::map<std::string, std::string>& map) {
  json::object out;
  for (const auto& [k, v] : map) out[k] = v;
  return out;
}

std::map<std::string, std::string> map_from_json(const json::value* value) {
  std::map<std::string, std::string> out;
  if (!value || !value->is_object()) return out;
  for (const auto& [k, v] : value->as_object()) {
    if (v.is_string()) out[std::string(k)] = std::string(v.as_string());
  }
  return out;
}

json::array tags_to_json(const Tags& tags) {
  json::array out;
  for (const auto& [k, v] : tags) out.push_back(json::array{json::string(k), json::string(v)});
  return out;
}

Tags tags_from_json(const json::value* value) {
  Tags out;
  if (!value || !value->is_array()) return out;
  for (const auto& item : value->as_array()) {
    if (!item.is_array() || item.as_array().size() != 2) continue;
    const auto& pair = item.as_array();
    if (pair[0].is_string() && pair[1].is_string()) {
      out.emplace_back(std::string(pair[0].as_string()), std::string(pair[1].as_string()));
    }
  }
  return out;
}

std::string str(const json::object& o, std::string_view name) {
  auto* v = o.if_contains(name);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::int64_t num(const json::object& o, std::string_view name) {
  auto* v = o.if_contains(name);
  if (!v) return 0;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64()) return static_cast<std::int64_t>(v->as_uint64());
  return 0;
}

}  // namespace

std::string encode_object_meta(const ObjectMeta& meta) {
  const auto& a = meta.attributes;
  json::object o;
  o["key"] = meta.key;
  o["size"] = meta.size;
  o["etag"] = meta.etag;
  o["mtime"] = meta.last_modified_ms;
  o["path"] = meta.path;
  o["fmtime"] = meta.file_mtime_ns;
  if (meta.parts_count) o["parts"] = meta.parts_count;
  if (!meta.checksums.empty()) o["checksums"] = map_to_json(meta.checksums);
  if (!a.content_type.empty()) o["ct"] = a.content_type;
  if (!a.content_encoding.empty()) o["ce"] = a.content_encoding;
  if (!a.content_disposition.empty()) o["cd"] = a.content_disposition;
  if (!a.content_language.empty()) o["cl"] = a.content_language;
  if (!a.cache_control.empty()) o["cc"] = a.cache_control;
  if (!a.expires.empty()) o["exp"] = a.expires;
  if (!a.storage_class.empty()) o["sc"] = a.storage_class;
  if (!a.checksum_algorithm.empty()) o["ca"] = a.checksum_algorithm;
  if (!a.user_metadata.empty()) o["meta"] = map_to_json(a.user_metadata);
  if (!a.tags.empty()) o["tags"] = tags_to_json(a.tags);
  return json::serialize(o);
}

std::optional<ObjectMeta> decode_object_meta(std::string_view text) {
  boost::system::error_code ec;
  auto value = json::parse(text, ec);
  if (ec || !value.is_object()) return std::nullopt;
  const auto& o = value.as_object();
  ObjectMeta meta;
  meta.key = str(o, "key");
  meta.size = static_cast<std::uint64_t>(num(o, "size"));
  meta.etag = str(o, "etag");
  meta.last_modified_ms = num(o, "mtime");
  meta.path = str(o, "path");
  meta.file_mtime_ns = num(o, "fmtime");
  meta.parts_count = static_cast<int>(num(o, "parts"));
  meta.checksums = map_from_json(o.if_contains("checksums"));
  auto& a = meta.attributes;
  a.content_type = str(o, "ct");
  a.content_encoding = str(o, "ce");
  a.content_disposition = str(o, "cd");
  a.content_language = str(o, "cl");
  a.cache_control = str(o, "cc");
  a.expires = str(o, "exp");
  a.storage_class = str(o, "sc");
  a.checksum_algorithm = str(o, "ca");
  a.user_metadata = map_from_json(o.if_contains("meta"));
  a.tags = tags_from_json(o.if_contains("tags"));
  if (meta.key.empty() || meta.path.empty()) return std::nullopt;
  return meta;
}

std::string encode_tags(const Tags& tags) { return json::serialize(tags_to_json(tags)); }

Tags decode_tags(std::string_view text) {
  boost::system::error_code ec;
  auto value = json::parse(text, ec);
  if (ec) return {};
  return tags_from_json(&value);
}

}  // namespace fanout::services::s3
