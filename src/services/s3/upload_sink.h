// Where an object upload's body goes as it arrives: straight into a temp file in the engine's
// tmp dir, aws-chunked framing decoded on the fly, MD5 and the requested checksums computed on
// the way. The S3 front end checks the digests once the body is complete, then hands the file
// to the engine (StagedBody).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "net/http_handler.h"
#include "protocol/service_error.h"
#include "services/s3/aws_chunked.h"
#include "services/s3/file_ops.h"
#include "services/s3/s3_engine.h"

namespace fanout::services::s3 {

class Digest;
class DigestPipeline;

enum class PayloadMode {
  plain,                     // the body is the object (UNSIGNED-PAYLOAD, a hex SHA-256, or none)
  chunked_signed,            // STREAMING-AWS4-HMAC-SHA256-PAYLOAD
  chunked_signed_trailer,    // STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER
  chunked_unsigned_trailer,  // STREAMING-UNSIGNED-PAYLOAD-TRAILER
};

class UploadSink final : public net::BodySink {
 public:
  // Opens the temp file; `header` decides the payload mode and which checksums to compute.
  UploadSink(std::string temp_path, const net::RequestHeader& header);
  ~UploadSink() override;  // removes the temp file unless released

  void write(const char* data, std::size_t size) override;

  // Closes the file and checks framing and the declared decoded length. nullopt when fine.
  std::optional<protocol::ServiceError> finish();

  PayloadMode mode() const { return mode_; }
  const AwsChunkedDecoder* decoder() const { return decoder_.get(); }
  std::uint64_t size() const { return size_; }
  const std::string& md5() const { return md5_value_; }
  // Raw digests of the decoded body by algorithm ("SHA256", "CRC32", ...), those requested.
  const std::map<std::string, std::string>& digests() const { return digest_values_; }
  // Hands the file over (the sink will no longer remove it).
  StagedBody release();

 private:
  void consume(const char* data, std::size_t size);
  void hash(const char* data, std::size_t size);

  // Bodies above this are hashed on a DigestPipeline thread; small ones are not worth a thread.
  static constexpr std::uint64_t kPipelineThreshold = 1 << 20;

  std::string temp_path_;
  UniqueFd fd_;
  PayloadMode mode_ = PayloadMode::plain;
  std::unique_ptr<AwsChunkedDecoder> decoder_;
  std::optional<std::uint64_t> declared_decoded_length_;
  std::unique_ptr<DigestPipeline> pipeline_;  // large bodies: digests on a second thread
  std::unique_ptr<Digest> md5_;
  std::map<std::string, std::unique_ptr<Digest>> digests_;
  std::string md5_value_;
  std::map<std::string, std::string> digest_values_;
  std::uint64_t size_ = 0;
  std::string error_;
  bool released_ = false;
  bool finished_ = false;
};

}  // namespace fanout::services::s3
