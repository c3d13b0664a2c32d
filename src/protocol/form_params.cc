#include "protocol/form_params.h"

#include "common/percent_encoding.h"

namespace fanout::protocol {

std::optional<FormParams> parse_form(std::string_view text) {
  FormParams params;
  while (!text.empty()) {
    auto amp = text.find('&');
    auto pair = text.substr(0, amp);
    text = amp == std::string_view::npos ? std::string_view{} : text.substr(amp + 1);
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    auto key = percent_encoding::decode(pair.substr(0, eq), /*plus_is_space=*/true);
    auto value =
        percent_encoding::decode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1),
                                 /*plus_is_space=*/true);
    if (!key || !value) return std::nullopt;
    params.emplace(std::move(*key), std::move(*value));
  }
  return params;
}

}  // namespace fanout::protocol
