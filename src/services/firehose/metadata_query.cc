#include "services/firehose/metadata_query.h"

#include <boost/json.hpp>
#include <cctype>
#include <charconv>

namespace fanout::services::firehose {

namespace {

class Parser {
 public:
  explicit Parser(std::string_view text) : s_(text) {}

  void skip_space() {
    while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_;
  }
  bool eat(char c) {
    skip_space();
    if (i_ < s_.size() && s_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }
  bool at_end() {
    skip_space();
    return i_ == s_.size();
  }
  char peek() {
    skip_space();
    return i_ < s_.size() ? s_[i_] : '\0';
  }
  std::optional<std::string> identifier() {
    skip_space();
    std::size_t start = i_;
    while (i_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[i_])) || s_[i_] == '_')) ++i_;
    if (i_ == start || std::isdigit(static_cast<unsigned char>(s_[start]))) return std::nullopt;
    return std::string(s_.substr(start, i_ - start));
  }
  std::optional<std::string> quoted() {
    skip_space();
    if (i_ >= s_.size() || s_[i_] != '"') return std::nullopt;
    ++i_;
    std::string out;
    while (i_ < s_.size() && s_[i_] != '"') {
      if (s_[i_] == '\\' && i_ + 1 < s_.size()) ++i_;
      out += s_[i_++];
    }
    if (i_ >= s_.size()) return std::nullopt;
    ++i_;
    return out;
  }
  std::optional<long> integer() {
    skip_space();
    std::size_t start = i_;
    if (i_ < s_.size() && s_[i_] == '-') ++i_;
    while (i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_]))) ++i_;
    if (i_ == start || (i_ == start + 1 && s_[start] == '-')) return std::nullopt;
    // from_chars, not std::stol: an index too large for a long is a bad query, not an exception.
    long value = 0;
    auto digits = s_.substr(start, i_ - start);
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
    return value;
  }
  std::size_t position() const { return i_; }

 private:
  std::string_view s_;
  std::size_t i_ = 0;
};

}  // namespace

std::optional<MetadataQuery> MetadataQuery::parse(std::string_view text, std::string* error) {
  auto fail = [&](const std::string& why) -> std::optional<MetadataQuery> {
    if (error) *error = why;
    return std::nullopt;
  };
  Parser p(text);
  if (!p.eat('{')) return fail("the query must be an object construction such as {key: .path}");
  MetadataQuery query;
  if (p.eat('}')) return fail("the query defines no partition keys");
  while (true) {
    Field field;
    auto key = p.peek() == '"' ? p.quoted() : p.identifier();
    if (!key || key->empty()) return fail("expected a key name at offset " + std::to_string(p.position()));
    field.key = *key;
    if (!p.eat(':')) return fail("expected ':' after key " + field.key);
    if (!p.eat('.')) return fail("the value of key " + field.key + " must be a path starting with '.'");
    // First step: .name, ."name", or directly [..] (".[0]").
    bool first = true;
    while (true) {
      char c = p.peek();
      if (first && (c == '"' || std::isalpha(static_cast<unsigned char>(c)) || c == '_')) {
        auto name = c == '"' ? p.quoted() : p.identifier();
        if (!name) return fail("bad path step in key " + field.key);
        field.path.emplace_back(*name);
      } else if (c == '[') {
        p.eat('[');
        if (p.peek() == '"') {
          auto name = p.quoted();
          if (!name) return fail("bad subscript in key " + field.key);
          field.path.emplace_back(*name);
        } else {
          auto index = p.integer();
          if (!index) return fail("bad subscript in key " + field.key);
          field.path.emplace_back(*index);
        }
        if (!p.eat(']')) return fail("expected ']' in key " + field.key);
      } else if (!first && c == '.') {
        p.eat('.');
        char d = p.peek();
        auto name = d == '"' ? p.quoted() : p.identifier();
        if (!name) return fail("bad path step in key " + field.key);
        field.path.emplace_back(*name);
      } else if (c == '?') {
        p.eat('?');
      } else {
        break;
      }
      first = false;
    }
    if (field.path.empty()) return fail("the path of key " + field.key + " selects the whole record");
    for (const auto& f : query.fields_) {
      if (f.key == field.key) return fail("duplicate key " + field.key);
    }
    query.fields_.push_back(std::move(field));
    if (p.eat(',')) continue;
    if (p.eat('}')) break;
    return fail("expected ',' or '}' at offset " + std::to_string(p.position()));
  }
  if (!p.at_end()) return fail("unexpected text after the object at offset " + std::to_string(p.position()));
  return query;
}

std::vector<std::string> MetadataQuery::keys() const {
  std::vector<std::string> out;
  for (const auto& f : fields_) out.push_back(f.key);
  return out;
}

std::optional<std::map<std::string, std::string>> MetadataQuery::evaluate(std::string_view record) const {
  boost::system::error_code ec;
  auto doc = boost::json::parse(record, ec);
  if (ec || !doc.is_object()) return std::nullopt;
  std::map<std::string, std::string> out;
  for (const auto& field : fields_) {
    const boost::json::value* v = &doc;
    for (const auto& step : field.path) {
      if (const auto* name = std::get_if<std::string>(&step)) {
        v = v->is_object() ? v->as_object().if_contains(*name) : nullptr;
      } else {
        long index = std::get<long>(step);
        if (!v->is_array()) {
          v = nullptr;
        } else {
          const auto& a = v->as_array();
          long n = static_cast<long>(a.size());
          if (index < 0) index += n;
          v = index >= 0 && index < n ? &a[static_cast<std::size_t>(index)] : nullptr;
        }
      }
      if (!v) return std::nullopt;
    }
    if (v->is_string()) {
      out[field.key] = std::string(v->as_string());
    } else if (v->is_number() || v->is_bool()) {
      out[field.key] = boost::json::serialize(*v);
    } else {
      return std::nullopt;
    }
  }
  return out;
}

}  // namespace fanout::services::firehose
