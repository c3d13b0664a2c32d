// The aws-chunked decoder and chunk-signature chain against the worked examples of the S3 API
// Reference (sigv4-streaming.html, sigv4-streaming-trailers.html), read in place from
// $FANOUT_SHARED_DIR/conformance/sigv4/s3.
#include "services/s3/aws_chunked.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "auth/sigv4.h"
#include "common/crypto.h"

namespace fanout::services::s3 {
namespace {

namespace json = boost::json;

json::object examples() {
  const char* dir =
      std::getenv("FANOUT_SHARED_DIR");  // NOLINT(concurrency-mt-unsafe): tests never set the environment
  std::string base = dir && *dir ? dir : FANOUT_SHARED_DIR_DEFAULT;
  std::ifstream in(base + "/conformance/sigv4/s3/s3-sigv4-examples.json");
  std::stringstream text;
  text << in.rdbuf();
  return json::parse(text.str()).as_object();
}

std::string str(const json::value& v) { return std::string(v.as_string()); }

// Builds the encoded body of a streaming example from its chunk list.
std::string encoded_body(const json::object& example, const std::string& trailer_lines) {
  std::string body;
  for (const auto& chunk : example.at("chunks").as_array()) {
    const auto& c = chunk.as_object();
    body += str(c.at("header_line"));
    body += std::string(static_cast<std::size_t>(c.at("size").as_int64()), 'a');
    if (c.at("size").as_int64() > 0) body += "\r\n";
  }
  body += trailer_lines;
  return body;
}

ChunkSigningContext context_of(const json::object& all, const json::object& example) {
  const auto& creds = all.at("credentials").as_object();
  ChunkSigningContext context;
  context.signing_key =
      auth::derive_signing_key(str(creds.at("secret_access_key")), "20130524", "us-east-1", "s3");
  context.amz_date = str(all.at("amz_date"));
  context.scope = str(all.at("credential_scope"));
  context.seed_signature = str(example.at("seed_signature"));
  return context;
}

std::string decode(AwsChunkedDecoder& decoder, const std::string& body, std::size_t step) {
  std::string out;
  for (std::size_t i = 0; i < body.size(); i += step) {
    bool ok =
        decoder.feed(body.data() + i, std::min(step, body.size() - i), [&](const char* d, std::size_t n) {
          out.append(d, n);
          return true;
        });
    EXPECT_TRUE(ok) << decoder.error();
  }
  return out;
}

TEST(AwsChunked, SignedPayloadExampleDecodesAndVerifies) {
  auto all = examples();
  const auto& example = all.at("streaming").as_array()[0].as_object();
  std::string body = encoded_body(example, "\r\n");
  ASSERT_EQ(body.size(), static_cast<std::size_t>(example.at("encoded_body_length").as_int64()));
  EXPECT_EQ(crypto::hex(crypto::sha256(body)), str(example.at("encoded_body_sha256")));
  for (std::size_t step : {std::size_t{1}, std::size_t{7}, std::size_t{4096}, body.size()}) {
    AwsChunkedDecoder decoder(true);
    auto decoded = decode(decoder, body, step);
    EXPECT_TRUE(decoder.finished());
    EXPECT_EQ(decoded, std::string(66560, 'a'));
    ASSERT_EQ(decoder.chunks().size(), 3u);
    EXPECT_EQ(crypto::hex(decoder.chunks()[0].data_sha256),
              str(example.at("chunks").as_array()[0].at("data_sha256")));
    EXPECT_EQ(verify_chunk_signatures(context_of(all, example), decoder, false), std::nullopt);
  }
  // Every chunk's signature is the documented one.
  auto context = context_of(all, example);
  std::string previous = context.seed_signature;
  for (const auto& chunk : example.at("chunks").as_array()) {
    std::string data(static_cast<std::size_t>(chunk.at("size").as_int64()), 'a');
    auto signature = chunk_signature(context, previous, crypto::sha256(data));
    EXPECT_EQ(signature, str(chunk.at("signature")));
    previous = signature;
  }
}

TEST(AwsChunked, TamperedChunkFailsVerification) {
  auto all = examples();
  const auto& example = all.at("streaming").as_array()[0].as_object();
  std::string body = encoded_body(example, "\r\n");
  body[200] = 'b';  // inside the first chunk's data
  AwsChunkedDecoder decoder(true);
  decode(decoder, body, 1000);
  ASSERT_TRUE(decoder.finished());
  EXPECT_NE(verify_chunk_signatures(context_of(all, example), decoder, false), std::nullopt);
  // A wrong seed signature breaks the whole chain too.
  AwsChunkedDecoder clean(true);
  decode(clean, encoded_body(example, "\r\n"), 1000);
  auto context = context_of(all, example);
  context.seed_signature[0] = context.seed_signature[0] == '0' ? '1' : '0';
  EXPECT_NE(verify_chunk_signatures(context, clean, false), std::nullopt);
}

TEST(AwsChunked, SignedTrailerExample) {
  auto all = examples();
  const auto& example = all.at("streaming").as_array()[1].as_object();
  const auto& trailer = example.at("trailer").as_object();
  std::string lines =
      "x-amz-checksum-crc32c:sOO8/Q==\r\nx-amz-trailer-signature:" + str(trailer.at("signature")) +
      "\r\n\r\n";
  std::string body = encoded_body(example, lines);
  EXPECT_EQ(body.size(), static_cast<std::size_t>(example.at("encoded_body_length").as_int64()));
  EXPECT_EQ(crypto::hex(crypto::sha256(body)), str(example.at("encoded_body_sha256")));
  AwsChunkedDecoder decoder(true);
  EXPECT_EQ(decode(decoder, body, 333), std::string(66560, 'a'));
  ASSERT_TRUE(decoder.finished());
  ASSERT_EQ(decoder.trailers().size(), 1u);
  EXPECT_EQ(decoder.trailers()[0].first, "x-amz-checksum-crc32c");
  EXPECT_EQ(decoder.trailers()[0].second, "sOO8/Q==");
  auto context = context_of(all, example);
  EXPECT_EQ(verify_chunk_signatures(context, decoder, true), std::nullopt);
  // A changed trailer value no longer matches the trailer signature.
  std::string forged = encoded_body(example, "x-amz-checksum-crc32c:AAAAAA==\r\nx-amz-trailer-signature:" +
                                                 str(trailer.at("signature")) + "\r\n\r\n");
  AwsChunkedDecoder forged_decoder(true);
  decode(forged_decoder, forged, 4096);
  EXPECT_NE(verify_chunk_signatures(context, forged_decoder, true), std::nullopt);
}

TEST(AwsChunked, UnsignedTrailerAsTheJsSdkSendsIt) {
  auto all = examples();
  const auto& observed = all.at("unsigned_trailer_observed").as_object();
  AwsChunkedDecoder decoder(false);
  EXPECT_EQ(decode(decoder, str(observed.at("aws_chunked_body")), 3), "hello world");
  EXPECT_TRUE(decoder.finished());
  ASSERT_EQ(decoder.trailers().size(), 1u);
  EXPECT_EQ(decoder.trailers()[0].second, "DUoRhQ==");
}

TEST(AwsChunked, MalformedFramingIsRejected) {
  for (std::string body : std::vector<std::string>{"zz\r\nabc\r\n0\r\n\r\n", "3\r\nabcd\r\n0\r\n\r\n",
                                                   "3\nabc\r\n0\r\n\r\n", std::string(5000, '1')}) {
    AwsChunkedDecoder decoder(false);
    bool ok = decoder.feed(body.data(), body.size(), [](const char*, std::size_t) { return true; });
    EXPECT_TRUE(!ok || !decoder.finished()) << body.substr(0, 20);
  }
  // A signed stream whose chunks carry no signature.
  AwsChunkedDecoder signed_decoder(true);
  std::string body = "3\r\nabc\r\n0\r\n\r\n";
  EXPECT_FALSE(signed_decoder.feed(body.data(), body.size(), [](const char*, std::size_t) { return true; }));
  // Truncated: never finished.
  AwsChunkedDecoder truncated(false);
  std::string partial = "5\r\nhel";
  EXPECT_TRUE(truncated.feed(partial.data(), partial.size(), [](const char*, std::size_t) { return true; }));
  EXPECT_FALSE(truncated.finished());
}

}  // namespace
}  // namespace fanout::services::s3
