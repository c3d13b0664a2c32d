// Message attributes as SendMessage (SQS) and Publish (SNS) receive them: parsing and AWS's
// validation, the size counted against the message limit, SQS's MD5 of the attributes that SDKs
// verify, selection by MessageAttributeNames, and the round trip through the output / record
// forms (what is accepted must come back unchanged, with the same digest).
#include <boost/json/parse.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_input.h"
#include "services/sns/message_attributes.h"
#include "services/sns/sns_error.h"
#include "services/sqs/message_attributes.h"
#include "services/sqs/sqs_error.h"

namespace {

void sqs_attributes(const boost::json::object& map, std::string_view names) {
  using namespace fanout::services::sqs;
  MessageAttributes attributes;
  try {
    attributes = parse_message_attributes(&map);
  } catch (const SqsError&) {
    return;
  }
  (void)attributes_size(attributes);
  const std::string md5 = md5_of_attributes(attributes);
  std::vector<std::string> requested;
  for (std::size_t start = 0; start <= names.size();) {
    auto comma = names.find(',', start);
    requested.emplace_back(names.substr(start, comma == std::string_view::npos ? names.npos : comma - start));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  (void)attributes_to_json(select_attributes(attributes, requested));
  auto output = attributes_to_json(attributes);
  MessageAttributes again = parse_message_attributes(&output);  // must not throw: we wrote it
  if (again != attributes || md5_of_attributes(again) != md5) __builtin_trap();
}

void sqs_system_attributes(const boost::json::object& map) {
  using namespace fanout::services::sqs;
  try {
    if (auto trace = parse_system_attributes(&map)) (void)md5_of_system_attributes(*trace);
  } catch (const SqsError&) {
  }
}

void sns_attributes(const boost::json::object& map) {
  using namespace fanout::services::sns;
  MessageAttributes attributes;
  try {
    attributes = parse_message_attributes(&map);
  } catch (const SnsError&) {
    return;
  }
  (void)attributes_size(attributes);
  for (const auto& attribute : attributes) (void)envelope_value(attribute);
  boost::json::value record = attributes_to_record(attributes);
  if (attributes_from_record(&record) != attributes) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fanout::fuzz::FuzzInput input(data, size);
  const std::uint8_t which = input.byte() % 3;
  auto names = input.part();
  boost::system::error_code ec;
  auto value = boost::json::parse(input.rest(), ec);
  if (ec || !value.is_object()) return 0;
  const auto& map = value.get_object();
  if (which == 0) sqs_attributes(map, names);
  if (which == 1) sqs_system_attributes(map);
  if (which == 2) sns_attributes(map);
  return 0;
}
