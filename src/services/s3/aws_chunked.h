// The aws-chunked content encoding S3 clients use for streaming uploads
// (x-amz-content-sha256: STREAMING-*): "<hex size>[;chunk-signature=<sig>]\r\n<data>\r\n" per
// chunk, a zero-size chunk, then optional trailer lines ("x-amz-checksum-crc32:<b64>\r\n",
// "x-amz-trailer-signature:<sig>\r\n") and an empty line.
//
// The decoder works incrementally on whatever the socket delivers, so a body of any size is
// decoded without buffering it. Chunk signatures are recorded (with the SHA-256 of each chunk's
// data) and verified afterwards by verify_chunk_signatures(), once the request's seed signature
// has been verified.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fanout::services::s3 {

class Digest;

struct ChunkRecord {
  std::uint64_t size = 0;
  std::string signature;    // hex, from ";chunk-signature="; empty when unsigned
  std::string data_sha256;  // raw; only when signatures are expected
};

class AwsChunkedDecoder {
 public:
  using Output = std::function<bool(const char* data, std::size_t size)>;

  // expect_signatures: STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER] (every chunk must carry one).
  explicit AwsChunkedDecoder(bool expect_signatures);
  ~AwsChunkedDecoder();

  // Feeds encoded bytes; decoded payload goes to out (which may return false to abort).
  // Returns false on malformed framing (see error()) or when out aborted.
  bool feed(const char* data, std::size_t size, const Output& out);
  // True once the final chunk and the trailer's terminating empty line have been read.
  bool finished() const { return state_ == State::done; }
  const std::string& error() const { return error_; }

  const std::vector<ChunkRecord>& chunks() const { return chunks_; }
  // Trailer headers in order, names lower-case, without x-amz-trailer-signature.
  const std::vector<std::pair<std::string, std::string>>& trailers() const { return trailers_; }
  const std::string& trailer_signature() const { return trailer_signature_; }
  std::uint64_t decoded_size() const { return decoded_size_; }

 private:
  enum class State { size_line, data, data_crlf, trailer, done };
  bool fail(std::string why);
  bool parse_size_line();
  bool parse_trailer_line();

  bool expect_signatures_;
  State state_ = State::size_line;
  std::string line_;
  std::uint64_t remaining_ = 0;
  std::uint64_t decoded_size_ = 0;
  std::unique_ptr<Digest> chunk_hash_;
  std::vector<ChunkRecord> chunks_;
  std::vector<std::pair<std::string, std::string>> trailers_;
  std::string trailer_signature_;
  std::string error_;
};

// What a chunk signature chain is checked against.
struct ChunkSigningContext {
  std::string signing_key;     // raw derived SigV4 key
  std::string amz_date;        // X-Amz-Date of the request
  std::string scope;           // "20130524/us-east-1/s3/aws4_request"
  std::string seed_signature;  // the request's own (verified) signature
};

// The signature of one chunk given the previous signature (AWS4-HMAC-SHA256-PAYLOAD).
std::string chunk_signature(const ChunkSigningContext& context, std::string_view previous_signature,
                            std::string_view data_sha256_raw);
// The trailer signature (AWS4-HMAC-SHA256-TRAILER) over the trailer lines joined with LF.
std::string trailer_signature(const ChunkSigningContext& context, std::string_view previous_signature,
                              const std::vector<std::pair<std::string, std::string>>& trailers);

// Checks every chunk signature in order (and the trailer signature when signed_trailer).
// nullopt when all verify, else which one failed.
std::optional<std::string> verify_chunk_signatures(const ChunkSigningContext& context,
                                                   const AwsChunkedDecoder& decoder, bool signed_trailer);

}  // namespace fanout::services::s3
