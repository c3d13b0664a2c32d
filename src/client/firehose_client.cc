#include "client/firehose_client.h"

#include <boost/json.hpp>

#include "client/service_caller.h"
#include "client/wire_protocols.h"
#include "common/crypto.h"

namespace fanout::client {
namespace {

namespace json = boost::json;

constexpr std::string_view kFirehoseContentType = "application/x-amz-json-1.1";

bool bool_of(const json::object& object, std::string_view key) {
  auto it = object.find(key);
  return it != object.end() && it->value().is_bool() && it->value().as_bool();
}

}  // namespace

FirehoseClient::FirehoseClient(const ClientConfig& config)
    : caller_(std::make_unique<ServiceCaller>(config, "firehose", parse_json_error)) {}
FirehoseClient::~FirehoseClient() = default;
FirehoseClient::FirehoseClient(FirehoseClient&&) noexcept = default;

FirehosePutResult FirehoseClient::put_record(const std::string& stream_name, const std::string& data) {
  const json::object result = call_json(
      *caller_, kFirehoseContentType, "Firehose_20150804.PutRecord",
      {{"DeliveryStreamName", stream_name}, {"Record", json::object{{"Data", crypto::base64_encode(data)}}}});
  return {json_string_member(result, "RecordId"), bool_of(result, "Encrypted")};
}

FirehoseBatchResult FirehoseClient::put_record_batch(const std::string& stream_name,
                                                     const std::vector<std::string>& records) {
  json::array wire;
  for (const auto& record : records) wire.push_back(json::object{{"Data", crypto::base64_encode(record)}});
  const json::object result = call_json(*caller_, kFirehoseContentType, "Firehose_20150804.PutRecordBatch",
                                        {{"DeliveryStreamName", stream_name}, {"Records", wire}});
  FirehoseBatchResult out;
  if (auto it = result.find("FailedPutCount"); it != result.end() && it->value().is_int64()) {
    out.failed_put_count = static_cast<int>(it->value().as_int64());
  }
  out.encrypted = bool_of(result, "Encrypted");
  if (auto it = result.find("RequestResponses"); it != result.end() && it->value().is_array()) {
    for (const auto& value : it->value().as_array()) {
      const auto& object = value.as_object();
      out.responses.push_back({json_string_member(object, "RecordId"),
                               json_string_member(object, "ErrorCode"),
                               json_string_member(object, "ErrorMessage")});
    }
  }
  return out;
}

}  // namespace fanout::client
