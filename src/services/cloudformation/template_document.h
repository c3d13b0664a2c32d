// A CloudFormation template as JSON: YAML (with the short-form intrinsic tags such as !Ref and
// !GetAtt a.b rewritten to their long form, {"Ref": ...} and {"Fn::GetAtt": [a, b]}) or JSON text.
#pragma once

#include <boost/json/value.hpp>
#include <string>
#include <string_view>
#include <variant>

namespace fanout::services::cloudformation {

// The template's JSON, or AWS's ValidationError message ("Template format error: ...").
using ParsedTemplate = std::variant<boost::json::object, std::string>;

ParsedTemplate parse_template_text(std::string_view text);

}  // namespace fanout::services::cloudformation
