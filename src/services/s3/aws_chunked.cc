#include "services/s3/aws_chunked.h"

#include "common/ascii_text.h"
#include "common/crypto.h"
#include "services/s3/checksums.h"

namespace fanout::services::s3 {
namespace {

// Far above any real chunk header or trailer line; bounds what a broken client can make us hold.
constexpr std::size_t kMaxLineBytes = 4096;
constexpr std::string_view kSignatureExtension = "chunk-signature=";

const std::string kEmptySha256Hex = crypto::hex(crypto::sha256(""));

}  // namespace

AwsChunkedDecoder::AwsChunkedDecoder(bool expect_signatures) : expect_signatures_(expect_signatures) {}
AwsChunkedDecoder::~AwsChunkedDecoder() = default;

bool AwsChunkedDecoder::fail(std::string why) {
  if (error_.empty()) error_ = std::move(why);
  return false;
}

bool AwsChunkedDecoder::parse_size_line() {
  std::string_view text = line_;
  auto semicolon = text.find(';');
  std::string_view hex = ascii::trim(text.substr(0, semicolon));
  if (hex.empty() || hex.size() > 15) return fail("invalid chunk size");
  std::uint64_t size = 0;
  for (char c : hex) {
    int v = c >= '0' && c <= '9'   ? c - '0'
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
            : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                   : -1;
    if (v < 0) return fail("invalid chunk size");
    size = size * 16 + static_cast<std::uint64_t>(v);
  }
  ChunkRecord record;
  record.size = size;
  if (semicolon != std::string_view::npos) {
    auto extension = ascii::trim(text.substr(semicolon + 1));
    if (extension.starts_with(kSignatureExtension))
      record.signature = std::string(extension.substr(kSignatureExtension.size()));
  }
  if (expect_signatures_ && record.signature.empty()) return fail("chunk without chunk-signature");
  chunks_.push_back(std::move(record));
  remaining_ = size;
  if (expect_signatures_) chunk_hash_ = Digest::make("SHA256");
  if (size == 0) {
    if (chunk_hash_) chunks_.back().data_sha256 = chunk_hash_->result();
    state_ = State::trailer;
  } else {
    state_ = State::data;
  }
  return true;
}

bool AwsChunkedDecoder::parse_trailer_line() {
  if (line_.empty()) {
    state_ = State::done;
    return true;
  }
  auto colon = line_.find(':');
  if (colon == std::string::npos) return fail("malformed trailer");
  auto name = ascii::lower(ascii::trim(std::string_view(line_).substr(0, colon)));
  auto value = std::string(ascii::trim(std::string_view(line_).substr(colon + 1)));
  if (name == "x-amz-trailer-signature") {
    trailer_signature_ = value;
  } else {
    trailers_.emplace_back(std::move(name), std::move(value));
  }
  return true;
}

bool AwsChunkedDecoder::feed(const char* data, std::size_t size, const Output& out) {
  if (!error_.empty()) return false;
  std::size_t i = 0;
  while (i < size) {
    switch (state_) {
      case State::size_line:
      case State::trailer: {
        // Lines end in CRLF; accumulate across feeds.
        while (i < size) {
          char c = data[i++];
          if (c == '\n') {
            if (line_.empty() || line_.back() != '\r') return fail("chunk line not terminated by CRLF");
            line_.pop_back();
            bool ok = state_ == State::size_line ? parse_size_line() : parse_trailer_line();
            line_.clear();
            if (!ok) return false;
            break;
          }
          line_ += c;
          if (line_.size() > kMaxLineBytes) return fail("chunk line too long");
        }
        break;
      }
      case State::data: {
        auto n = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, size - i));
        if (chunk_hash_) chunk_hash_->update(data + i, n);
        if (!out(data + i, n)) return fail("aborted");
        decoded_size_ += n;
        remaining_ -= n;
        i += n;
        if (remaining_ == 0) {
          if (chunk_hash_) chunks_.back().data_sha256 = chunk_hash_->result();
          state_ = State::data_crlf;
        }
        break;
      }
      case State::data_crlf: {
        char c = data[i++];
        line_ += c;
        if (line_.size() == 2) {
          if (line_ != "\r\n") return fail("chunk data not followed by CRLF");
          line_.clear();
          state_ = State::size_line;
        }
        break;
      }
      case State::done:
        // Bytes after the terminating empty line: tolerated only as stray line ends.
        if (data[i] != '\r' && data[i] != '\n') return fail("data after the final chunk");
        ++i;
        break;
    }
  }
  return true;
}

std::string chunk_signature(const ChunkSigningContext& context, std::string_view previous_signature,
                            std::string_view data_sha256_raw) {
  std::string to_sign = "AWS4-HMAC-SHA256-PAYLOAD\n" + context.amz_date + "\n" + context.scope + "\n" +
                        std::string(previous_signature) + "\n" + kEmptySha256Hex + "\n" +
                        crypto::hex(data_sha256_raw);
  return crypto::hex(crypto::hmac_sha256(context.signing_key, to_sign));
}

std::string trailer_signature(const ChunkSigningContext& context, std::string_view previous_signature,
                              const std::vector<std::pair<std::string, std::string>>& trailers) {
  std::string canonical;
  for (const auto& [name, value] : trailers) canonical.append(name).append(":").append(value).append("\n");
  std::string to_sign = "AWS4-HMAC-SHA256-TRAILER\n" + context.amz_date + "\n" + context.scope + "\n" +
                        std::string(previous_signature) + "\n" + crypto::hex(crypto::sha256(canonical));
  return crypto::hex(crypto::hmac_sha256(context.signing_key, to_sign));
}

std::optional<std::string> verify_chunk_signatures(const ChunkSigningContext& context,
                                                   const AwsChunkedDecoder& decoder, bool signed_trailer) {
  std::string previous = context.seed_signature;
  std::size_t index = 0;
  for (const auto& chunk : decoder.chunks()) {
    auto expected = chunk_signature(context, previous, chunk.data_sha256);
    if (!crypto::constant_time_equals(expected, chunk.signature)) {
      return "chunk " + std::to_string(index) + " signature does not match";
    }
    previous = expected;
    ++index;
  }
  if (signed_trailer) {
    auto expected = trailer_signature(context, previous, decoder.trailers());
    if (!crypto::constant_time_equals(expected, decoder.trailer_signature())) {
      return "trailer signature does not match";
    }
  }
  return std::nullopt;
}

}  // namespace fanout::services::s3
