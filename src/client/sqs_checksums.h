// The MD5 digests SQS returns and the SDKs verify: of the body, and of the message attributes
// (length-prefixed name, type, transport byte and value, in name order).
#pragma once

#include <string>

#include "client/message_types.h"

namespace fanout::client {

std::string md5_of_body(const std::string& body);  // lower-case hex
std::string md5_of_attributes(const MessageAttributes& attributes);

}  // namespace fanout::client
