#include "services/sqs/message_record.h"

namespace fanout::services::sqs {

namespace {

constexpr char kMessageVersion = 1;
constexpr char kMetaVersion = 1;

void put_varint(std::string& out, std::uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7F) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

void put_bytes(std::string& out, std::string_view bytes) {
  put_varint(out, bytes.size());
  out.append(bytes);
}

void put_i64(std::string& out, std::int64_t value) { put_varint(out, static_cast<std::uint64_t>(value)); }

class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}
  bool ok() const { return ok_; }
  bool done() const { return pos_ == bytes_.size(); }
  char byte() {
    if (pos_ >= bytes_.size()) return fail(), '\0';
    return bytes_[pos_++];
  }
  std::uint64_t varint() {
    std::uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= bytes_.size()) return fail(), 0;
      auto b = static_cast<unsigned char>(bytes_[pos_++]);
      value |= static_cast<std::uint64_t>(b & 0x7F) << shift;
      if ((b & 0x80) == 0) return value;
    }
    return fail(), 0;
  }
  std::int64_t i64() { return static_cast<std::int64_t>(varint()); }
  std::string bytes() {
    auto n = varint();
    if (!ok_ || n > bytes_.size() - pos_) return fail(), std::string();
    std::string out(bytes_.substr(pos_, n));
    pos_ += n;
    return out;
  }

 private:
  void fail() { ok_ = false; }
  std::string_view bytes_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace

std::string encode_message(const MessageRecord& r) {
  std::string out;
  out.reserve(r.body.size() + r.message_id.size() + 64 + attributes_size(r.attributes));
  out.push_back(kMessageVersion);
  put_bytes(out, r.message_id);
  put_bytes(out, r.body);
  put_varint(out, r.attributes.size());
  for (const auto& a : r.attributes) {
    put_bytes(out, a.name);
    put_bytes(out, a.data_type);
    put_bytes(out, a.value);
  }
  out.push_back(r.trace_header ? 1 : 0);
  if (r.trace_header) put_bytes(out, *r.trace_header);
  put_bytes(out, r.md5_of_body);
  put_bytes(out, r.group_id);
  put_bytes(out, r.deduplication_id);
  put_bytes(out, r.sequence_number);
  put_bytes(out, r.sender_id);
  put_bytes(out, r.dead_letter_source_arn);
  put_i64(out, r.sent_ms);
  return out;
}

std::optional<MessageRecord> decode_message(std::string_view bytes) {
  Reader in(bytes);
  if (in.byte() != kMessageVersion) return std::nullopt;
  MessageRecord r;
  r.message_id = in.bytes();
  r.body = in.bytes();
  auto count = in.varint();
  if (!in.ok() || count > 64) return std::nullopt;
  r.attributes.reserve(count);
  for (std::uint64_t i = 0; i < count && in.ok(); ++i) {
    MessageAttribute a;
    a.name = in.bytes();
    a.data_type = in.bytes();
    a.value = in.bytes();
    r.attributes.push_back(std::move(a));
  }
  if (in.byte() == 1) r.trace_header = in.bytes();
  r.md5_of_body = in.bytes();
  r.group_id = in.bytes();
  r.deduplication_id = in.bytes();
  r.sequence_number = in.bytes();
  r.sender_id = in.bytes();
  r.dead_letter_source_arn = in.bytes();
  r.sent_ms = in.i64();
  if (!in.ok() || !in.done()) return std::nullopt;
  return r;
}

std::string encode_meta(const MessageMeta& m) {
  std::string out;
  out.reserve(32 + m.group_id.size());
  out.push_back(kMetaVersion);
  put_i64(out, m.retention_basis_ms);
  put_i64(out, m.visible_at_ms);
  put_i64(out, m.first_receive_ms);
  put_varint(out, m.receive_count);
  put_bytes(out, m.group_id);
  put_i64(out, m.last_receive_ms);
  return out;
}

std::optional<MessageMeta> decode_meta(std::string_view bytes) {
  Reader in(bytes);
  if (in.byte() != kMetaVersion) return std::nullopt;
  MessageMeta m;
  m.retention_basis_ms = in.i64();
  m.visible_at_ms = in.i64();
  m.first_receive_ms = in.i64();
  m.receive_count = static_cast<std::uint32_t>(in.varint());
  m.group_id = in.bytes();
  if (!in.done()) m.last_receive_ms = in.i64();
  if (!in.ok() || !in.done()) return std::nullopt;
  return m;
}

void put_u64_be(std::string& out, std::uint64_t value) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>((value >> shift) & 0xFF));
}

std::uint64_t get_u64_be(std::string_view bytes) {
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < 8 && i < bytes.size(); ++i)
    value = (value << 8) | static_cast<unsigned char>(bytes[i]);
  return value;
}

std::string queue_key_prefix(std::uint64_t queue_id) {
  std::string key;
  key.reserve(8);
  put_u64_be(key, queue_id);
  return key;
}

std::string message_key(std::uint64_t queue_id, std::uint64_t seq) {
  std::string key;
  key.reserve(16);
  put_u64_be(key, queue_id);
  put_u64_be(key, seq);
  return key;
}

std::optional<std::pair<std::uint64_t, std::uint64_t>> parse_message_key(std::string_view key) {
  if (key.size() != 16) return std::nullopt;
  return std::make_pair(get_u64_be(key.substr(0, 8)), get_u64_be(key.substr(8, 8)));
}

}  // namespace fanout::services::sqs
