// The JSON protocols (SQS's JSON 1.0, Firehose's JSON 1.1): the body decoder, then the model
// validation of the decoded input against the operation a selector byte picks; also the JSON
// error envelope built from text the request controls.
#include <cstdint>
#include <string>
#include <variant>

#include "fuzz_input.h"
#include "model_operations.h"
#include "protocol/input_validation.h"
#include "protocol/json_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace fanout::protocol;
  static const fanout::fuzz::ModelOperations models[] = {fanout::fuzz::ModelOperations("sqs"),
                                                         fanout::fuzz::ModelOperations("firehose")};
  fanout::fuzz::FuzzInput input(data, size);
  const auto& service = models[input.byte() % 2];
  const auto& op = service.pick(input.byte());
  auto body = input.rest();

  auto decoded = decode_json_input(body);
  if (auto* error = std::get_if<ServiceError>(&decoded)) {
    (void)encode_json_error(service.model, error->code, error->code, error->message, error->sender_fault);
    return 0;
  }
  const auto& object = std::get<boost::json::object>(decoded);
  if (op.input) {
    if (auto error = validate_input(*service.model, *op.input, object)) {
      (void)encode_json_error(service.model, error->code, error->code, error->message, error->sender_fault);
    }
  }
  return 0;
}
