// S3's aws-chunked payload decoder, fed in arbitrary slices as the socket delivers a streamed
// upload, then (when signatures are expected and the framing completed) the chunk-signature
// chain and trailer signature check.
#include <cstdint>
#include <string>

#include "auth/sigv4.h"
#include "fuzz_input.h"
#include "services/s3/aws_chunked.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace fanout::services::s3;
  fanout::fuzz::FuzzInput input(data, size);
  const std::uint8_t flags = input.byte();
  const std::size_t slice = 1 + input.byte() % 97;
  std::string_view body = input.rest();

  AwsChunkedDecoder decoder(flags & 1);
  std::uint64_t output = 0;
  const bool abort_early = flags & 2;
  const AwsChunkedDecoder::Output out = [&](const char* bytes, std::size_t n) {
    if (n) (void)bytes[n - 1];  // the decoder hands out bytes it owns or the caller's
    output += n;
    return !(abort_early && output > 64);
  };
  bool ok = true;
  while (ok && !body.empty()) {
    auto piece = body.substr(0, slice);
    body.remove_prefix(piece.size());
    // A copy per slice, as each socket read lands in its own buffer.
    std::string buffer(piece);
    ok = decoder.feed(buffer.data(), buffer.size(), out);
  }
  if (ok && decoder.decoded_size() != output) __builtin_trap();
  if (!ok && decoder.error().empty() && !(abort_early && output > 64)) __builtin_trap();
  if (decoder.finished() && (flags & 1)) {
    ChunkSigningContext context;
    context.signing_key = fanout::auth::derive_signing_key("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                                                           "20130524", "us-east-1", "s3");
    context.amz_date = "20130524T000000Z";
    context.scope = "20130524/us-east-1/s3/aws4_request";
    context.seed_signature = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9";
    (void)verify_chunk_signatures(context, decoder, flags & 4);
  }
  return 0;
}
