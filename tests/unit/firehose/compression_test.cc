#include "services/firehose/compression.h"

#include <gtest/gtest.h>
#include <snappy.h>
#include <zlib.h>

#include <cstdint>

namespace fanout::services::firehose {
namespace {

std::string sample() {
  std::string s;
  for (int i = 0; i < 20000; ++i) s += "{\"n\":" + std::to_string(i) + ",\"name\":\"consumer\"}\n";
  return s;
}

std::string inflate_all(std::string_view data, int window_bits) {
  z_stream z{};
  EXPECT_EQ(inflateInit2(&z, window_bits), Z_OK);
  std::string out;
  char buf[65536];
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  int rc;
  do {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof buf;
    rc = inflate(&z, Z_NO_FLUSH);
    out.append(buf, sizeof buf - z.avail_out);
  } while (rc == Z_OK);
  EXPECT_EQ(rc, Z_STREAM_END);
  inflateEnd(&z);
  return out;
}

std::uint32_t le32(std::string_view s, std::size_t at) {
  return static_cast<std::uint32_t>(static_cast<unsigned char>(s[at])) |
         static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + 1])) << 8 |
         static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + 2])) << 16 |
         static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + 3])) << 24;
}
std::uint32_t be32(std::string_view s, std::size_t at) {
  return static_cast<std::uint32_t>(static_cast<unsigned char>(s[at])) << 24 |
         static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + 1])) << 16 |
         static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + 2])) << 8 |
         static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + 3]));
}

TEST(Compression, GzipRoundTrips) {
  const auto data = sample();
  const auto gz = compress_object("GZIP", data, "");
  ASSERT_GE(gz.size(), 2u);
  EXPECT_EQ(static_cast<unsigned char>(gz[0]), 0x1f);
  EXPECT_EQ(static_cast<unsigned char>(gz[1]), 0x8b);
  EXPECT_LT(gz.size(), data.size() / 3);
  EXPECT_EQ(inflate_all(gz, MAX_WBITS + 16), data);
}

TEST(Compression, ZipHoldsOneDeflatedEntry) {
  const auto data = sample();
  const auto zip = compress_object("ZIP", data, "orders-1-x");
  ASSERT_EQ(le32(zip, 0), 0x04034b50u);
  const auto name_len = static_cast<std::size_t>(static_cast<unsigned char>(zip[26]));
  EXPECT_EQ(zip.substr(30, name_len), "orders-1-x");
  const auto csize = le32(zip, 18);
  EXPECT_EQ(le32(zip, 22), data.size());
  EXPECT_EQ(inflate_all(std::string_view(zip).substr(30 + name_len, csize), -MAX_WBITS), data);
  EXPECT_EQ(le32(zip, 14), static_cast<std::uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(data.data()),
                                                            static_cast<uInt>(data.size()))));
  EXPECT_EQ(le32(zip, zip.size() - 22), 0x06054b50u);
}

TEST(Compression, SnappyFramingFormat) {
  const auto data = sample();
  const auto framed = compress_object("Snappy", data, "");
  ASSERT_EQ(framed.substr(0, 10), std::string("\xff\x06\x00\x00sNaPpY", 10));
  std::string out;
  std::size_t at = 10;
  while (at < framed.size()) {
    const auto type = static_cast<unsigned char>(framed[at]);
    const std::size_t len = static_cast<unsigned char>(framed[at + 1]) |
                            static_cast<std::size_t>(static_cast<unsigned char>(framed[at + 2])) << 8 |
                            static_cast<std::size_t>(static_cast<unsigned char>(framed[at + 3])) << 16;
    auto body = std::string_view(framed).substr(at + 8, len - 4);
    std::string chunk;
    if (type == 0x00) {
      ASSERT_TRUE(snappy::Uncompress(body.data(), body.size(), &chunk));
    } else {
      ASSERT_EQ(type, 0x01);
      chunk = std::string(body);
    }
    EXPECT_LE(chunk.size(), 65536u);
    out += chunk;
    at += 4 + len;
  }
  EXPECT_EQ(out, data);
}

TEST(Compression, HadoopSnappyBlocks) {
  const auto data = sample();
  const auto blocks = compress_object("HADOOP_SNAPPY", data, "");
  std::string out;
  std::size_t at = 0;
  while (at < blocks.size()) {
    const auto raw = be32(blocks, at);
    const auto len = be32(blocks, at + 4);
    std::string chunk;
    ASSERT_TRUE(snappy::Uncompress(blocks.data() + at + 8, len, &chunk));
    EXPECT_EQ(chunk.size(), raw);
    out += chunk;
    at += 8 + len;
  }
  EXPECT_EQ(out, data);
}

TEST(Compression, UncompressedIsVerbatim) { EXPECT_EQ(compress_object("UNCOMPRESSED", "a\nb", ""), "a\nb"); }

}  // namespace
}  // namespace fanout::services::firehose
