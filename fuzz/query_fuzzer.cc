// The query (form) protocol: the form/URL decoder, then decoding the parameters by walking a
// real service model's input shape (flattened lists and maps, locationNames, typed scalars),
// then the model validation every decoded input goes through. A selector byte picks the model
// (SQS, SNS, CloudFormation) and the operation, as the route would.
#include <cstdint>
#include <string>
#include <variant>

#include "common/percent_encoding.h"
#include "fuzz_input.h"
#include "model_operations.h"
#include "protocol/form_params.h"
#include "protocol/input_validation.h"
#include "protocol/query_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace fanout::protocol;
  static const fanout::fuzz::ModelOperations models[] = {fanout::fuzz::ModelOperations("sqs"),
                                                         fanout::fuzz::ModelOperations("sns"),
                                                         fanout::fuzz::ModelOperations("cloudformation")};
  fanout::fuzz::FuzzInput input(data, size);
  const auto& service = models[input.byte() % 3];
  const auto& op = service.pick(input.byte());
  auto form = input.rest();

  (void)fanout::percent_encoding::decode(form, false);
  (void)fanout::percent_encoding::decode_lenient(form, true);
  auto params = parse_form(form);
  if (!params) return 0;
  for (const auto& [name, value] : *params) {
    // Encoding round-trips every byte string exactly.
    const std::string both = name + value;
    if (fanout::percent_encoding::decode(fanout::percent_encoding::encode(both), true) != both)
      __builtin_trap();
  }
  auto decoded = decode_query_input(op, *params);
  if (auto* object = std::get_if<boost::json::object>(&decoded); object && op.input) {
    (void)validate_input(*service.model, *op.input, *object);
  }
  return 0;
}
