#include "services/firehose/compression.h"

#include <snappy.h>
#include <zlib.h>

#include <array>
#include <cstdint>
#include <ctime>
#include <stdexcept>

namespace fanout::services::firehose {

namespace {

// Speed over ratio: delivery must keep up with the ingest rate on a shared core.
constexpr int kDeflateLevel = 1;

std::string deflate_with(std::string_view data, int window_bits) {
  z_stream z{};
  if (deflateInit2(&z, kDeflateLevel, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw std::runtime_error("deflateInit2 failed");
  }
  std::string out;
  out.resize(deflateBound(&z, static_cast<uLong>(data.size())) + 32);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&z, Z_FINISH);
  const auto written = z.total_out;
  deflateEnd(&z);
  if (rc != Z_STREAM_END) throw std::runtime_error("deflate failed");
  out.resize(written);
  return out;
}

void put_le16(std::string& s, std::uint32_t v) {
  s += static_cast<char>(v & 0xff);
  s += static_cast<char>((v >> 8) & 0xff);
}
void put_le32(std::string& s, std::uint32_t v) {
  put_le16(s, v & 0xffff);
  put_le16(s, v >> 16);
}
void put_be32(std::string& s, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) s += static_cast<char>((v >> shift) & 0xff);
}

std::string zip_archive(std::string_view data, std::string_view name) {
  const std::string deflated = deflate_with(data, -MAX_WBITS);
  const auto crc = static_cast<std::uint32_t>(
      crc32(0, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(data.size())));
  // DOS date/time of now (UTC).
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  const std::uint32_t dos_time =
      static_cast<std::uint32_t>((tm.tm_hour << 11) | (tm.tm_min << 5) | (tm.tm_sec / 2));
  const std::uint32_t dos_date =
      static_cast<std::uint32_t>(((tm.tm_year - 80) << 9) | ((tm.tm_mon + 1) << 5) | tm.tm_mday);
  const auto csize = static_cast<std::uint32_t>(deflated.size());
  const auto usize = static_cast<std::uint32_t>(data.size());
  std::string out;
  // Local file header.
  put_le32(out, 0x04034b50);
  put_le16(out, 20);  // version needed
  put_le16(out, 0);   // flags
  put_le16(out, 8);   // deflate
  put_le16(out, dos_time);
  put_le16(out, dos_date);
  put_le32(out, crc);
  put_le32(out, csize);
  put_le32(out, usize);
  put_le16(out, static_cast<std::uint32_t>(name.size()));
  put_le16(out, 0);
  out += name;
  out += deflated;
  const auto central_offset = static_cast<std::uint32_t>(out.size());
  // Central directory entry.
  put_le32(out, 0x02014b50);
  put_le16(out, 20);  // made by
  put_le16(out, 20);  // needed
  put_le16(out, 0);
  put_le16(out, 8);
  put_le16(out, dos_time);
  put_le16(out, dos_date);
  put_le32(out, crc);
  put_le32(out, csize);
  put_le32(out, usize);
  put_le16(out, static_cast<std::uint32_t>(name.size()));
  put_le16(out, 0);  // extra
  put_le16(out, 0);  // comment
  put_le16(out, 0);  // disk
  put_le16(out, 0);  // internal attributes
  put_le32(out, 0);  // external attributes
  put_le32(out, 0);  // local header offset
  out += name;
  const auto central_size = static_cast<std::uint32_t>(out.size()) - central_offset;
  // End of central directory.
  put_le32(out, 0x06054b50);
  put_le16(out, 0);
  put_le16(out, 0);
  put_le16(out, 1);
  put_le16(out, 1);
  put_le32(out, central_size);
  put_le32(out, central_offset);
  put_le16(out, 0);
  return out;
}

std::uint32_t crc32c(std::string_view data) {
  static const auto table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
      std::uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0x82F63B78u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  std::uint32_t crc = 0xffffffffu;
  for (unsigned char b : data) crc = table[(crc ^ b) & 0xff] ^ (crc >> 8);
  return crc ^ 0xffffffffu;
}

std::string snappy_framed(std::string_view data) {
  std::string out("\xff\x06\x00\x00sNaPpY", 10);
  constexpr std::size_t kChunk = 65536;
  std::string compressed;
  for (std::size_t off = 0; off < data.size() || (off == 0 && data.empty()); off += kChunk) {
    auto piece = data.substr(off, kChunk);
    const std::uint32_t crc = crc32c(piece);
    const std::uint32_t masked = ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
    snappy::Compress(piece.data(), piece.size(), &compressed);
    const bool store_raw = compressed.size() >= piece.size();
    const std::string_view body = store_raw ? piece : std::string_view(compressed);
    const auto length = static_cast<std::uint32_t>(body.size() + 4);
    out += static_cast<char>(store_raw ? 0x01 : 0x00);
    out += static_cast<char>(length & 0xff);
    out += static_cast<char>((length >> 8) & 0xff);
    out += static_cast<char>((length >> 16) & 0xff);
    put_le32(out, masked);
    out += body;
    if (data.empty()) break;
  }
  return out;
}

std::string hadoop_snappy(std::string_view data) {
  // One Hadoop block per 256 KiB of input (BlockCompressorStream's default buffer).
  constexpr std::size_t kBlock = std::size_t{256} * 1024;
  std::string out;
  std::string compressed;
  for (std::size_t off = 0; off < data.size(); off += kBlock) {
    auto piece = data.substr(off, kBlock);
    snappy::Compress(piece.data(), piece.size(), &compressed);
    put_be32(out, static_cast<std::uint32_t>(piece.size()));
    put_be32(out, static_cast<std::uint32_t>(compressed.size()));
    out += compressed;
  }
  return out;
}

}  // namespace

std::string compress_object(std::string_view format, std::string_view data, std::string_view zip_entry_name) {
  if (format == "GZIP") return deflate_with(data, MAX_WBITS + 16);
  if (format == "ZIP") return zip_archive(data, zip_entry_name);
  if (format == "Snappy") return snappy_framed(data);
  if (format == "HADOOP_SNAPPY") return hadoop_snappy(data);
  return std::string(data);
}

}  // namespace fanout::services::firehose
