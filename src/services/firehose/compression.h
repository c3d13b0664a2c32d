// The object encodings Firehose writes for each CompressionFormat:
//   GZIP           one gzip member (RFC 1952)
//   ZIP            a ZIP archive holding one deflated entry
//   Snappy         the Snappy framing format (stream identifier, CRC-32C checked chunks)
//   HADOOP_SNAPPY  Hadoop's block format (big-endian raw length, compressed length, data)
//   UNCOMPRESSED   the bytes as they are
#pragma once

#include <string>
#include <string_view>

namespace fanout::services::firehose {

// Throws std::runtime_error when the compressor fails (out of memory).
std::string compress_object(std::string_view format, std::string_view data, std::string_view zip_entry_name);

}  // namespace fanout::services::firehose
