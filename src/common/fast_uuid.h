// Message ids (SQS MessageId, SNS MessageId): RFC 4122 version-4 UUIDs drawn from a per-thread
// generator seeded once from the OS's CSPRNG. Ids must be unique, not secret (clients see them
// and AWS's are not secrets either), and crypto::uuid_v4 costs a RAND_bytes call (with its
// fork-check getpid system call) per message on the send path.
#pragma once

#include <string>

namespace fanout::services::sqs {

std::string new_message_id();

}  // namespace fanout::services::sqs
