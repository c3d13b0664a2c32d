#include "client/sns_client.h"

#include <pugixml.hpp>

#include "client/service_caller.h"
#include "client/wire_protocols.h"
#include "common/crypto.h"

namespace fanout::client {
namespace {

constexpr std::string_view kVersion = "2010-03-31";

void add_attributes(QueryParams& params, const std::string& prefix, const MessageAttributes& attributes) {
  int n = 0;
  for (const auto& [name, attribute] : attributes) {
    const std::string entry = prefix + "MessageAttributes.entry." + std::to_string(++n) + ".";
    params.emplace_back(entry + "Name", name);
    params.emplace_back(entry + "Value.DataType", attribute.data_type);
    if (attribute.data_type.rfind("Binary", 0) == 0) {
      params.emplace_back(entry + "Value.BinaryValue", crypto::base64_encode(attribute.binary_value));
    } else {
      params.emplace_back(entry + "Value.StringValue", attribute.string_value);
    }
  }
}

void add_optional(QueryParams& params, const std::string& name, const std::string& value) {
  if (!value.empty()) params.emplace_back(name, value);
}

pugi::xml_node parse_result(pugi::xml_document& doc, const std::string& body, const char* response,
                            const char* result) {
  if (!doc.load_buffer(body.data(), body.size())) {
    throw AwsError("SerializationException",
                   std::string("unparseable ") + response + ": " + body.substr(0, 200), 200, "");
  }
  return doc.child(response).child(result);
}

}  // namespace

SnsClient::SnsClient(const ClientConfig& config)
    : caller_(std::make_unique<ServiceCaller>(config, "sns", parse_xml_error)) {}
SnsClient::~SnsClient() = default;
SnsClient::SnsClient(SnsClient&&) noexcept = default;

SnsPublishResult SnsClient::publish(const SnsPublishRequest& request) {
  QueryParams params{{"TopicArn", request.topic_arn}, {"Message", request.message}};
  add_optional(params, "Subject", request.subject);
  add_attributes(params, "", request.message_attributes);
  add_optional(params, "MessageGroupId", request.message_group_id);
  add_optional(params, "MessageDeduplicationId", request.message_deduplication_id);
  const std::string body = call_query(*caller_, "Publish", kVersion, params);
  pugi::xml_document doc;
  pugi::xml_node result = parse_result(doc, body, "PublishResponse", "PublishResult");
  return {result.child_value("MessageId"), result.child_value("SequenceNumber")};
}

SnsPublishBatchResult SnsClient::publish_batch(const std::string& topic_arn,
                                               const std::vector<SnsPublishBatchEntry>& entries) {
  QueryParams params{{"TopicArn", topic_arn}};
  int n = 0;
  for (const auto& entry : entries) {
    const std::string prefix = "PublishBatchRequestEntries.member." + std::to_string(++n) + ".";
    params.emplace_back(prefix + "Id", entry.id);
    params.emplace_back(prefix + "Message", entry.message);
    add_optional(params, prefix + "Subject", entry.subject);
    add_attributes(params, prefix, entry.message_attributes);
    add_optional(params, prefix + "MessageGroupId", entry.message_group_id);
    add_optional(params, prefix + "MessageDeduplicationId", entry.message_deduplication_id);
  }
  const std::string body = call_query(*caller_, "PublishBatch", kVersion, params);
  pugi::xml_document doc;
  pugi::xml_node result = parse_result(doc, body, "PublishBatchResponse", "PublishBatchResult");
  SnsPublishBatchResult out;
  for (pugi::xml_node member : result.child("Successful").children("member")) {
    out.successful.push_back(
        {member.child_value("Id"), member.child_value("MessageId"), member.child_value("SequenceNumber")});
  }
  for (pugi::xml_node member : result.child("Failed").children("member")) {
    out.failed.push_back({member.child_value("Id"), member.child_value("Code"), member.child_value("Message"),
                          std::string(member.child_value("SenderFault")) == "true"});
  }
  return out;
}

}  // namespace fanout::client
