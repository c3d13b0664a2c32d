#include "client/sqs_client.h"

#include <boost/json.hpp>

#include "client/service_caller.h"
#include "client/sqs_checksums.h"
#include "client/wire_protocols.h"
#include "common/crypto.h"

namespace fanout::client {
namespace {

namespace json = boost::json;

constexpr std::string_view kSqsContentType = "application/x-amz-json-1.0";

json::object call(ServiceCaller& caller, std::string_view operation, const json::object& body) {
  return call_json(caller, kSqsContentType, "AmazonSQS." + std::string(operation), body);
}

json::object encode_attributes(const MessageAttributes& attributes) {
  json::object out;
  for (const auto& [name, attribute] : attributes) {
    json::object value{{"DataType", attribute.data_type}};
    if (attribute.data_type.rfind("Binary", 0) == 0) {
      value["BinaryValue"] = crypto::base64_encode(attribute.binary_value);
    } else {
      value["StringValue"] = attribute.string_value;
    }
    out[name] = std::move(value);
  }
  return out;
}

MessageAttributes decode_attributes(const json::object& message) {
  MessageAttributes out;
  auto it = message.find("MessageAttributes");
  if (it == message.end() || !it->value().is_object()) return out;
  for (const auto& [name, value] : it->value().as_object()) {
    if (!value.is_object()) continue;
    const auto& object = value.as_object();
    MessageAttribute attribute;
    attribute.data_type = json_string_member(object, "DataType");
    attribute.string_value = json_string_member(object, "StringValue");
    if (auto binary = crypto::base64_decode(json_string_member(object, "BinaryValue")))
      attribute.binary_value = *binary;
    out[std::string(name)] = std::move(attribute);
  }
  return out;
}

void add_message_fields(json::object& body, const std::string& message, const std::optional<int>& delay,
                        const MessageAttributes& attributes, const std::string& group,
                        const std::string& dedup) {
  body["MessageBody"] = message;
  if (delay) body["DelaySeconds"] = *delay;
  if (!attributes.empty()) body["MessageAttributes"] = encode_attributes(attributes);
  if (!group.empty()) body["MessageGroupId"] = group;
  if (!dedup.empty()) body["MessageDeduplicationId"] = dedup;
}

// What botocore raises as ChecksumError: the service (or something in between) altered the data.
[[noreturn]] void checksum_mismatch(const std::string& what, const std::string& expected,
                                    const std::string& actual) {
  throw AwsError("ChecksumMismatch", what + ": expected MD5 " + expected + ", got " + actual, 200, "");
}

SqsSendResult verified_send_result(const json::object& result, const std::string& body,
                                   const MessageAttributes& attributes) {
  SqsSendResult out{json_string_member(result, "MessageId"), json_string_member(result, "MD5OfMessageBody"),
                    json_string_member(result, "MD5OfMessageAttributes"),
                    json_string_member(result, "SequenceNumber")};
  if (const std::string expected = md5_of_body(body); out.md5_of_body != expected) {
    checksum_mismatch("MD5OfMessageBody of sent message " + out.message_id, expected, out.md5_of_body);
  }
  if (!attributes.empty()) {
    if (const std::string expected = md5_of_attributes(attributes); out.md5_of_attributes != expected) {
      checksum_mismatch("MD5OfMessageAttributes of sent message " + out.message_id, expected,
                        out.md5_of_attributes);
    }
  }
  return out;
}

BatchEntryError decode_failure(const json::value& value) {
  const auto& object = value.as_object();
  BatchEntryError error{json_string_member(object, "Id"), json_string_member(object, "Code"),
                        json_string_member(object, "Message"), false};
  if (auto it = object.find("SenderFault"); it != object.end() && it->value().is_bool()) {
    error.sender_fault = it->value().as_bool();
  }
  return error;
}

SqsBatchResult decode_batch(const json::object& result) {
  SqsBatchResult out;
  if (auto it = result.find("Successful"); it != result.end() && it->value().is_array()) {
    for (const auto& entry : it->value().as_array())
      out.successful.push_back(json_string_member(entry.as_object(), "Id"));
  }
  if (auto it = result.find("Failed"); it != result.end() && it->value().is_array()) {
    for (const auto& entry : it->value().as_array()) out.failed.push_back(decode_failure(entry));
  }
  return out;
}

}  // namespace

SqsClient::SqsClient(const ClientConfig& config)
    : caller_(std::make_unique<ServiceCaller>(config, "sqs", parse_json_error)) {}
SqsClient::~SqsClient() = default;
SqsClient::SqsClient(SqsClient&&) noexcept = default;

SqsSendResult SqsClient::send_message(const SqsSendRequest& request) {
  json::object body{{"QueueUrl", request.queue_url}};
  add_message_fields(body, request.body, request.delay_seconds, request.message_attributes,
                     request.message_group_id, request.message_deduplication_id);
  return verified_send_result(call(*caller_, "SendMessage", body), request.body, request.message_attributes);
}

SqsSendBatchResult SqsClient::send_message_batch(const std::string& queue_url,
                                                 const std::vector<SqsSendBatchEntry>& entries) {
  json::array wire_entries;
  for (const auto& entry : entries) {
    json::object wire{{"Id", entry.id}};
    add_message_fields(wire, entry.body, entry.delay_seconds, entry.message_attributes,
                       entry.message_group_id, entry.message_deduplication_id);
    wire_entries.push_back(std::move(wire));
  }
  const json::object result =
      call(*caller_, "SendMessageBatch", {{"QueueUrl", queue_url}, {"Entries", wire_entries}});
  SqsSendBatchResult out;
  if (auto it = result.find("Successful"); it != result.end() && it->value().is_array()) {
    for (const auto& value : it->value().as_array()) {
      const auto& object = value.as_object();
      const std::string id = json_string_member(object, "Id");
      auto entry = std::find_if(entries.begin(), entries.end(), [&](const auto& e) { return e.id == id; });
      if (entry == entries.end()) {
        throw AwsError("ChecksumMismatch", "SendMessageBatch answered for unknown entry id " + id, 200, "");
      }
      out.successful.emplace_back(id, verified_send_result(object, entry->body, entry->message_attributes));
    }
  }
  if (auto it = result.find("Failed"); it != result.end() && it->value().is_array()) {
    for (const auto& value : it->value().as_array()) out.failed.push_back(decode_failure(value));
  }
  return out;
}

std::vector<SqsMessage> SqsClient::receive_message(const SqsReceiveRequest& request) {
  json::object body{{"QueueUrl", request.queue_url},
                    {"MaxNumberOfMessages", request.max_messages},
                    {"WaitTimeSeconds", request.wait_time_seconds}};
  const auto names = [](const std::vector<std::string>& list) {
    return json::array(list.begin(), list.end());
  };
  if (!request.message_attribute_names.empty())
    body["MessageAttributeNames"] = names(request.message_attribute_names);
  if (!request.system_attribute_names.empty())
    body["MessageSystemAttributeNames"] = names(request.system_attribute_names);
  if (request.visibility_timeout) body["VisibilityTimeout"] = *request.visibility_timeout;
  const json::object result = call(*caller_, "ReceiveMessage", body);
  std::vector<SqsMessage> messages;
  auto it = result.find("Messages");
  if (it == result.end() || !it->value().is_array()) return messages;
  for (const auto& value : it->value().as_array()) {
    const auto& object = value.as_object();
    SqsMessage message;
    message.message_id = json_string_member(object, "MessageId");
    message.receipt_handle = json_string_member(object, "ReceiptHandle");
    message.body = json_string_member(object, "Body");
    message.md5_of_body = json_string_member(object, "MD5OfBody");
    if (auto attributes = object.find("Attributes");
        attributes != object.end() && attributes->value().is_object()) {
      for (const auto& [name, attribute] : attributes->value().as_object()) {
        if (attribute.is_string()) message.attributes[std::string(name)] = std::string(attribute.as_string());
      }
    }
    message.message_attributes = decode_attributes(object);
    if (const std::string expected = md5_of_body(message.body); expected != message.md5_of_body) {
      checksum_mismatch("MD5OfBody of received message " + message.message_id, expected, message.md5_of_body);
    }
    if (const std::string declared = json_string_member(object, "MD5OfMessageAttributes");
        !declared.empty()) {
      if (const std::string expected = md5_of_attributes(message.message_attributes); expected != declared) {
        checksum_mismatch("MD5OfMessageAttributes of received message " + message.message_id, expected,
                          declared);
      }
    }
    messages.push_back(std::move(message));
  }
  return messages;
}

void SqsClient::delete_message(const std::string& queue_url, const std::string& receipt_handle) {
  call(*caller_, "DeleteMessage", {{"QueueUrl", queue_url}, {"ReceiptHandle", receipt_handle}});
}

SqsBatchResult SqsClient::delete_message_batch(const std::string& queue_url,
                                               const std::vector<SqsReceiptEntry>& entries) {
  json::array wire;
  for (const auto& entry : entries)
    wire.push_back(json::object{{"Id", entry.id}, {"ReceiptHandle", entry.receipt_handle}});
  return decode_batch(call(*caller_, "DeleteMessageBatch", {{"QueueUrl", queue_url}, {"Entries", wire}}));
}

void SqsClient::change_message_visibility(const std::string& queue_url, const std::string& receipt_handle,
                                          int visibility_timeout) {
  call(*caller_, "ChangeMessageVisibility",
       {{"QueueUrl", queue_url},
        {"ReceiptHandle", receipt_handle},
        {"VisibilityTimeout", visibility_timeout}});
}

SqsBatchResult SqsClient::change_message_visibility_batch(const std::string& queue_url,
                                                          const std::vector<SqsReceiptEntry>& entries) {
  json::array wire;
  for (const auto& entry : entries) {
    wire.push_back(json::object{{"Id", entry.id},
                                {"ReceiptHandle", entry.receipt_handle},
                                {"VisibilityTimeout", entry.visibility_timeout}});
  }
  return decode_batch(
      call(*caller_, "ChangeMessageVisibilityBatch", {{"QueueUrl", queue_url}, {"Entries", wire}}));
}

std::map<std::string, std::string> SqsClient::get_queue_attributes(const std::string& queue_url,
                                                                   const std::vector<std::string>& names) {
  json::array wire_names;
  for (const auto& name : names) wire_names.push_back(json::string(name));
  const json::object result =
      call(*caller_, "GetQueueAttributes", {{"QueueUrl", queue_url}, {"AttributeNames", wire_names}});
  std::map<std::string, std::string> out;
  if (auto it = result.find("Attributes"); it != result.end() && it->value().is_object()) {
    for (const auto& [name, value] : it->value().as_object()) {
      if (value.is_string()) out[std::string(name)] = std::string(value.as_string());
    }
  }
  return out;
}

}  // namespace fanout::client
