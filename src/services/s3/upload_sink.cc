#include "services/s3/upload_sink.h"

#include <fcntl.h>
#include <unistd.h>

#include "services/s3/checksums.h"
#include "services/s3/digest_pipeline.h"
#include "services/s3/s3_error.h"

namespace fanout::services::s3 {
namespace {

bool is_hex64(std::string_view text) {
  if (text.size() != 64) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return false;
  }
  return true;
}

}  // namespace

UploadSink::UploadSink(std::string temp_path, const net::RequestHeader& header)
    : temp_path_(std::move(temp_path)), md5_(Digest::make("MD5")) {
  fd_ = UniqueFd(::open(temp_path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (!fd_) error_ = "cannot create temp file " + temp_path_;

  std::string_view sha = header["x-amz-content-sha256"];
  if (sha == "STREAMING-AWS4-HMAC-SHA256-PAYLOAD") {
    mode_ = PayloadMode::chunked_signed;
  } else if (sha == "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER") {
    mode_ = PayloadMode::chunked_signed_trailer;
  } else if (sha == "STREAMING-UNSIGNED-PAYLOAD-TRAILER") {
    mode_ = PayloadMode::chunked_unsigned_trailer;
  } else if (is_hex64(sha)) {
    digests_["SHA256"] = Digest::make("SHA256");
  }
  if (mode_ != PayloadMode::plain) {
    decoder_ = std::make_unique<AwsChunkedDecoder>(mode_ != PayloadMode::chunked_unsigned_trailer);
    auto declared = header["x-amz-decoded-content-length"];
    if (!declared.empty()) {
      std::uint64_t value = 0;
      bool ok = declared.size() <= 19;
      for (char c : declared)
        ok = ok && c >= '0' && c <= '9', value = value * 10 + static_cast<std::uint64_t>(c - '0');
      if (ok) declared_decoded_length_ = value;
    }
  }
  // Checksums named by a header, the trailer announcement, or the SDK's algorithm hint.
  for (const auto& field : header) {
    std::string name(field.name_string());
    for (auto& c : name) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
    std::string_view value = field.value();
    std::optional<std::string> algorithm;
    if (name.starts_with("x-amz-checksum-") && name != "x-amz-checksum-mode" &&
        name != "x-amz-checksum-type" && name != "x-amz-checksum-algorithm") {
      algorithm = checksum_algorithm_name(name.substr(15));
    } else if (name == "x-amz-trailer" && value.size() > 15) {
      std::string lowered(value);
      for (auto& c : lowered) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
      if (lowered.starts_with("x-amz-checksum-")) algorithm = checksum_algorithm_name(lowered.substr(15));
    } else if (name == "x-amz-sdk-checksum-algorithm") {
      algorithm = checksum_algorithm_name(value);
    }
    if (algorithm && !digests_.contains(*algorithm)) digests_[*algorithm] = Digest::make(*algorithm);
  }
}

UploadSink::~UploadSink() {
  pipeline_.reset();  // its thread uses the digests
  fd_.reset();
  if (!released_) ::unlink(temp_path_.c_str());
}

void UploadSink::consume(const char* data, std::size_t size) {
  if (auto err = write_all(fd_.get(), data, size); !err.empty()) error_ = err;
  size_ += size;
  if (!pipeline_ && size_ > kPipelineThreshold) {
    // From here on the digests run beside the receive; everything before was hashed in line.
    pipeline_ = std::make_unique<DigestPipeline>([this](const char* d, std::size_t n) { hash(d, n); });
  }
  if (pipeline_) return pipeline_->push(data, size);
  hash(data, size);
}

void UploadSink::hash(const char* data, std::size_t size) {
  md5_->update(data, size);
  for (auto& [name, digest] : digests_) digest->update(data, size);
}

void UploadSink::write(const char* data, std::size_t size) {
  if (!error_.empty()) return;
  if (!decoder_) return consume(data, size);
  bool ok = decoder_->feed(data, size, [this](const char* d, std::size_t n) {
    consume(d, n);
    return error_.empty();
  });
  if (!ok && error_.empty()) error_ = "aws-chunked: " + decoder_->error();
}

std::optional<protocol::ServiceError> UploadSink::finish() {
  if (!finished_) {
    finished_ = true;
    if (pipeline_) pipeline_->finish();
    md5_value_ = md5_->result();
    for (auto& [name, digest] : digests_) digest_values_[name] = digest->result();
    fd_.reset();
  }
  if (!error_.empty()) {
    if (error_.starts_with("aws-chunked")) {
      return errors::make("IncompleteBody", "The request body terminated unexpectedly (" + error_ + ")", 400);
    }
    return errors::internal(error_);
  }
  if (decoder_ && !decoder_->finished()) {
    return errors::make("IncompleteBody", "The request body terminated unexpectedly", 400);
  }
  if (declared_decoded_length_ && *declared_decoded_length_ != size_) {
    return errors::make("IncompleteBody",
                        "You did not provide the number of bytes specified by the Content-Length HTTP header",
                        400);
  }
  return std::nullopt;
}

StagedBody UploadSink::release() {
  released_ = true;
  StagedBody body;
  body.temp_path = temp_path_;
  body.size = size_;
  body.md5 = md5_value_;
  return body;
}

}  // namespace fanout::services::s3
