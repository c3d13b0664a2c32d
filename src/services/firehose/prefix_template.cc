#include "services/firehose/prefix_template.h"

#include <random>

#include "services/firehose/firehose_error.h"

namespace fanout::services::firehose {

PrefixTemplate PrefixTemplate::parse(std::string_view text, std::string_view field) {
  PrefixTemplate out;
  out.text_ = std::string(text);
  std::string literal;
  auto flush_literal = [&] {
    if (!literal.empty()) out.parts_.push_back({Kind::literal, std::move(literal), std::nullopt});
    literal.clear();
  };
  std::size_t i = 0;
  while (i < text.size()) {
    if (text.compare(i, 2, "!{") != 0) {
      literal += text[i++];
      continue;
    }
    auto close = text.find('}', i + 2);
    if (close == std::string_view::npos) {
      throw errors::invalid_argument(
          std::string(field) + " contains an expression that is not closed: " + std::string(text.substr(i)));
    }
    const std::string_view expression = text.substr(i, close - i + 1);
    const std::string_view body = text.substr(i + 2, close - i - 2);
    auto colon = body.find(':');
    if (colon == std::string_view::npos || colon == 0 || colon + 1 == body.size()) {
      throw errors::invalid_argument("The expression " + std::string(expression) + " in " +
                                     std::string(field) +
                                     " is not valid. Expressions have the form !{namespace:value}.");
    }
    const std::string_view ns = body.substr(0, colon);
    const std::string value(body.substr(colon + 1));
    if (value.find("!{") != std::string::npos) {
      throw errors::invalid_argument("Nested expressions are not supported in " + std::string(field) + ": " +
                                     std::string(expression));
    }
    flush_literal();
    if (ns == "timestamp") {
      std::string why;
      auto pattern = TimestampPattern::parse(value, &why);
      if (!pattern) {
        throw errors::invalid_argument("The expression " + std::string(expression) + " in " +
                                       std::string(field) + " is not a valid timestamp pattern: " + why);
      }
      out.parts_.push_back({Kind::timestamp, value, std::move(pattern)});
    } else if (ns == "firehose" && value == "random-string") {
      out.parts_.push_back({Kind::random_string, value, std::nullopt});
    } else if (ns == "firehose" && value == "error-output-type") {
      out.parts_.push_back({Kind::error_output_type, value, std::nullopt});
    } else if (ns == "partitionKeyFromQuery") {
      out.parts_.push_back({Kind::partition_key_from_query, value, std::nullopt});
    } else if (ns == "partitionKeyFromLambda") {
      out.parts_.push_back({Kind::partition_key_from_lambda, value, std::nullopt});
    } else {
      throw errors::invalid_argument("The expression " + std::string(expression) + " in " +
                                     std::string(field) +
                                     " is not supported. Supported namespaces are timestamp, firehose, "
                                     "partitionKeyFromQuery and partitionKeyFromLambda.");
    }
    i = close + 1;
  }
  flush_literal();
  return out;
}

bool PrefixTemplate::has_expressions() const {
  for (const auto& p : parts_) {
    if (p.kind != Kind::literal) return true;
  }
  return false;
}

bool PrefixTemplate::uses(Kind kind) const {
  for (const auto& p : parts_) {
    if (p.kind == kind) return true;
  }
  return false;
}

std::vector<std::string> PrefixTemplate::keys(Kind kind) const {
  std::vector<std::string> out;
  for (const auto& p : parts_) {
    if (p.kind == kind) out.push_back(p.text);
  }
  return out;
}

std::string PrefixTemplate::evaluate(const Values& values) const {
  std::string out;
  for (const auto& p : parts_) {
    switch (p.kind) {
      case Kind::literal:
        out += p.text;
        break;
      case Kind::timestamp:
        out += p.pattern->format(values.timestamp_ms);
        break;
      case Kind::random_string:
        out += values.random_string ? values.random_string() : random_prefix_string();
        break;
      case Kind::error_output_type:
        out += values.error_output_type;
        break;
      case Kind::partition_key_from_query:
      case Kind::partition_key_from_lambda:
        if (values.partition_keys) {
          if (auto it = values.partition_keys->find(p.text); it != values.partition_keys->end())
            out += it->second;
        }
        break;
    }
  }
  return out;
}

std::string random_prefix_string() {
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uniform_int_distribution<std::size_t> pick(0, kAlphabet.size() - 1);
  std::string out(11, ' ');
  for (auto& c : out) c = kAlphabet[pick(rng)];
  return out;
}

}  // namespace fanout::services::firehose
