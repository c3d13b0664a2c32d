#include "services/sns/message_envelope.h"

#include "common/json_string.h"

namespace fanout::services::sns {

namespace {

void sign_field(std::string& out, const char* name, const std::string& value) {
  out += name;
  out += '\n';
  out += value;
  out += '\n';
}

// One `  "Name" : value,` line of AWS's pretty layout (the comma comes with the next field).
class PrettyObject {
 public:
  PrettyObject() : out_("{") {}
  void field(const char* name, const std::string& value) {
    begin(name);
    append_json_string(out_, value);
  }
  void raw(const char* name, const std::string& json) {
    begin(name);
    out_ += json;
  }
  std::string finish() {
    out_ += "\n}";
    return std::move(out_);
  }

 private:
  void begin(const char* name) {
    out_ += first_ ? "\n  " : ",\n  ";
    first_ = false;
    append_json_string(out_, name);
    out_ += " : ";
  }
  std::string out_;
  bool first_ = true;
};

std::string attribute_object(const MessageAttribute& attribute) {
  std::string out = "{\"Type\":";
  append_json_string(out, attribute.data_type);
  out += ",\"Value\":";
  append_json_string(out, envelope_value(attribute));
  out += '}';
  return out;
}

}  // namespace

std::string notification_string_to_sign(const NotificationFields& fields) {
  std::string out;
  out.reserve(fields.message.size() + 256);
  sign_field(out, "Message", fields.message);
  sign_field(out, "MessageId", fields.message_id);
  if (fields.subject) sign_field(out, "Subject", *fields.subject);
  sign_field(out, "Timestamp", fields.timestamp);
  sign_field(out, "TopicArn", fields.topic_arn);
  sign_field(out, "Type", "Notification");
  return out;
}

std::string notification_json(const NotificationFields& fields, const SignatureFields* signature,
                              const std::string& unsubscribe_url, const MessageAttributes& attributes) {
  PrettyObject o;
  o.field("Type", "Notification");
  o.field("MessageId", fields.message_id);
  if (!fields.sequence_number.empty()) o.field("SequenceNumber", fields.sequence_number);
  o.field("TopicArn", fields.topic_arn);
  if (fields.subject) o.field("Subject", *fields.subject);
  o.field("Message", fields.message);
  o.field("Timestamp", fields.timestamp);
  if (signature) {
    o.field("SignatureVersion", signature->version);
    o.field("Signature", signature->signature);
    o.field("SigningCertURL", signature->signing_cert_url);
  }
  o.field("UnsubscribeURL", unsubscribe_url);
  if (!attributes.empty()) {
    std::string map = "{";
    bool first = true;
    for (const auto& attribute : attributes) {
      map += first ? "\n    " : ",\n    ";
      first = false;
      append_json_string(map, attribute.name);
      map += " : ";
      map += attribute_object(attribute);
    }
    map += "\n  }";
    o.raw("MessageAttributes", map);
  }
  return o.finish();
}

std::string notification_json_compact(const NotificationFields& fields, const std::string& unsubscribe_url,
                                      const MessageAttributes& attributes) {
  std::string out = "{\"Type\":\"Notification\",\"MessageId\":";
  append_json_string(out, fields.message_id);
  if (!fields.sequence_number.empty()) {
    out += ",\"SequenceNumber\":";
    append_json_string(out, fields.sequence_number);
  }
  out += ",\"TopicArn\":";
  append_json_string(out, fields.topic_arn);
  if (fields.subject) {
    out += ",\"Subject\":";
    append_json_string(out, *fields.subject);
  }
  out += ",\"Message\":";
  append_json_string(out, fields.message);
  out += ",\"Timestamp\":";
  append_json_string(out, fields.timestamp);
  out += ",\"UnsubscribeURL\":";
  append_json_string(out, unsubscribe_url);
  if (!attributes.empty()) {
    out += ",\"MessageAttributes\":{";
    bool first = true;
    for (const auto& attribute : attributes) {
      if (!first) out += ',';
      first = false;
      append_json_string(out, attribute.name);
      out += ':';
      out += attribute_object(attribute);
    }
    out += '}';
  }
  out += '}';
  return out;
}

std::string confirmation_string_to_sign(const ConfirmationFields& fields) {
  std::string out;
  sign_field(out, "Message", fields.message);
  sign_field(out, "MessageId", fields.message_id);
  sign_field(out, "SubscribeURL", fields.subscribe_url);
  sign_field(out, "Timestamp", fields.timestamp);
  sign_field(out, "Token", fields.token);
  sign_field(out, "TopicArn", fields.topic_arn);
  sign_field(out, "Type", fields.type);
  return out;
}

std::string confirmation_json(const ConfirmationFields& fields, const SignatureFields& signature) {
  PrettyObject o;
  o.field("Type", fields.type);
  o.field("MessageId", fields.message_id);
  o.field("Token", fields.token);
  o.field("TopicArn", fields.topic_arn);
  o.field("Message", fields.message);
  o.field("SubscribeURL", fields.subscribe_url);
  o.field("Timestamp", fields.timestamp);
  o.field("SignatureVersion", signature.version);
  o.field("Signature", signature.signature);
  o.field("SigningCertURL", signature.signing_cert_url);
  return o.finish();
}

}  // namespace fanout::services::sns
