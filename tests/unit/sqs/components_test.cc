// The engine's building blocks on their own: addresses, validation, codecs, policies, the index.
#include <gtest/gtest.h>

#include "services/sqs/message_index.h"
#include "services/sqs/message_record.h"
#include "services/sqs/queue_address.h"
#include "services/sqs/queue_policy.h"
#include "services/sqs/receipt_handle.h"
#include "services/sqs/validation.h"

namespace fanout::services::sqs {
namespace {

TEST(SqsAddress, UrlsAndArns) {
  auto a = parse_queue_url("https://sqs.eu-west-1.amazonaws.com/123456789012/orders.fifo");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->account, "123456789012");
  EXPECT_EQ(a->name, "orders.fifo");
  EXPECT_EQ(parse_queue_url("http://localhost:4566/000000000000/q/")->name, "q");
  EXPECT_EQ(parse_queue_url("/123456789012/q")->account, "123456789012");
  EXPECT_FALSE(parse_queue_url("http://localhost:4566/q"));
  EXPECT_FALSE(parse_queue_url("http://localhost:4566"));
  auto b = parse_queue_arn("arn:aws:sqs:us-east-1:123456789012:orders");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->name, "orders");
  EXPECT_FALSE(parse_queue_arn("arn:aws:sns:us-east-1:123456789012:topic"));
  EXPECT_FALSE(parse_queue_arn("arn:aws:sqs:us-east-1:123456789012"));
  EXPECT_EQ(format_queue_arn("", "1", "q"), "arn:aws:sqs:us-east-1:1:q");
}

TEST(SqsValidation, Characters) {
  using validation::first_invalid_character;
  EXPECT_FALSE(first_invalid_character("plain \t\r\n text"));
  EXPECT_FALSE(first_invalid_character("\xED\x9F\xBF"));         // U+D7FF
  EXPECT_EQ(*first_invalid_character("\xED\xA0\x80"), 0xD800u);  // surrogate
  EXPECT_FALSE(first_invalid_character("\xF4\x8F\xBF\xBF"));     // U+10FFFF
  EXPECT_EQ(*first_invalid_character("\xEF\xBF\xBE"), 0xFFFEu);
  EXPECT_EQ(*first_invalid_character(std::string("a\0b", 3)), 0u);
  EXPECT_TRUE(first_invalid_character("\xC0\x80"));  // overlong
  // Long ASCII runs are checked 8 bytes at a time: a bad byte, a tab or a multi-byte character at
  // any offset of a word is still found or accepted exactly.
  for (std::size_t at = 0; at < 40; ++at) {
    std::string text(40, 'x');
    text[at] = '\x01';
    EXPECT_EQ(first_invalid_character(text), 1u) << at;
    text[at] = '\t';
    EXPECT_FALSE(first_invalid_character(text)) << at;
    text[at] = '\x7f';
    EXPECT_FALSE(first_invalid_character(text)) << at;
    text.replace(at, 1, "\xEF\xBF\xBF");  // U+FFFF
    EXPECT_EQ(first_invalid_character(text), 0xFFFFu) << at;
    text.replace(at, 3, "\xC3\xA9");  // U+00E9
    EXPECT_FALSE(first_invalid_character(text)) << at;
  }
  EXPECT_TRUE(validation::is_valid_attribute_name("a.b-c_d"));
  EXPECT_FALSE(validation::is_valid_attribute_name("amazon.x"));
  EXPECT_TRUE(validation::is_valid_token("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"));
  EXPECT_FALSE(validation::is_valid_token("a b"));
}

TEST(SqsCodec, RecordsRoundTrip) {
  MessageRecord r;
  r.message_id = "id";
  r.body = std::string("body\0with nul", 13);
  r.attributes = {{"a", "String", "v"}, {"b", "Binary", std::string("\x00\xff", 2)}};
  r.trace_header = "Root=1";
  r.md5_of_body = "md5";
  r.group_id = "g";
  r.deduplication_id = "d";
  r.sequence_number = "10000000000000000001";
  r.sender_id = "s";
  r.dead_letter_source_arn = "arn";
  r.sent_ms = 1'700'000'000'123;
  auto decoded = decode_message(encode_message(r));
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->body, r.body);
  EXPECT_EQ(decoded->attributes, r.attributes);
  EXPECT_EQ(decoded->trace_header, r.trace_header);
  EXPECT_EQ(decoded->sent_ms, r.sent_ms);
  EXPECT_EQ(decoded->dead_letter_source_arn, "arn");
  EXPECT_FALSE(decode_message(encode_message(r).substr(0, 10)));

  MessageMeta m{1, 2, 3, 4, "group", 5};
  auto meta = decode_meta(encode_meta(m));
  ASSERT_TRUE(meta);
  EXPECT_EQ(meta->visible_at_ms, 2);
  EXPECT_EQ(meta->receive_count, 4u);
  EXPECT_EQ(meta->group_id, "group");
  EXPECT_EQ(meta->last_receive_ms, 5);
  EXPECT_LE(encode_meta(MessageMeta{1'700'000'000'000, 1'700'000'030'000, 1'700'000'000'000, 1, "",
                                    1'700'000'000'000})
                .size(),
            28u);
  // Records written before last_receive_ms existed still decode.
  auto old_format = encode_meta(MessageMeta{1, 2, 3, 4, "g", 0});
  old_format.pop_back();
  ASSERT_TRUE(decode_meta(old_format));
  EXPECT_EQ(decode_meta(old_format)->last_receive_ms, 0);
}

TEST(SqsReceiptHandle, RoundTripAndForgery) {
  ReceiptHandleCodec codec(std::string(32, 'k'));
  auto text = codec.encode({7, 42, 3});
  auto decoded = codec.decode(text);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->queue_id, 7u);
  EXPECT_EQ(decoded->seq, 42u);
  EXPECT_EQ(decoded->receive_count, 3u);
  EXPECT_NE(codec.encode({7, 42, 4}), text);
  EXPECT_FALSE(ReceiptHandleCodec(std::string(32, 'x')).decode(text));  // another key
  for (std::size_t i = 0; i < text.size(); ++i) {
    std::string altered = text;
    altered[i] = altered[i] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(codec.decode(altered)) << i;
  }
}

TEST(SqsPolicy, Evaluation) {
  const std::string arn = "arn:aws:sqs:us-east-1:111111111111:q";
  PolicyPrincipal other{"222222222222", "", "", ""};
  auto policy = [](const std::string& statement) {
    return R"({"Version":"2012-10-17","Statement":)" + statement + "}";
  };
  EXPECT_TRUE(policy_allows(policy(R"({"Effect":"Allow","Principal":"*","Action":"sqs:*"})"), "SendMessage",
                            other, arn));
  EXPECT_TRUE(policy_allows(
      policy(
          R"([{"Effect":"Allow","Principal":{"AWS":["222222222222"]},"Action":["SQS:SendMessage"],"Resource":")" +
          arn + R"("}])"),
      "SendMessage", other, arn));
  EXPECT_FALSE(
      policy_allows(policy(R"({"Effect":"Allow","Principal":{"AWS":"333333333333"},"Action":"sqs:*"})"),
                    "SendMessage", other, arn));
  EXPECT_FALSE(policy_allows(policy(R"({"Effect":"Allow","Principal":"*","Action":"sqs:ReceiveMessage"})"),
                             "SendMessage", other, arn));
  EXPECT_TRUE(policy_allows(
      policy(
          R"({"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222222222222:user/bob"},"Action":"sqs:Send*"})"),
      "SendMessage", other, arn));
  EXPECT_FALSE(policy_allows(
      policy(
          R"([{"Effect":"Allow","Principal":"*","Action":"*"},{"Effect":"Deny","Principal":"*","Action":"sqs:SendMessage"}])"),
      "SendMessage", other, arn));
  EXPECT_FALSE(policy_allows(
      policy(R"({"Effect":"Allow","Principal":"*","Action":"*","Resource":"arn:aws:sqs:*:*:other"})"),
      "SendMessage", other, arn));
  // Unknown condition keys never match.
  EXPECT_FALSE(policy_allows(
      policy(
          R"({"Effect":"Allow","Principal":"*","Action":"*","Condition":{"IpAddress":{"aws:SourceIp":"1.2.3.4"}}})"),
      "SendMessage", other, arn));
  PolicyPrincipal sns{"", "sns.amazonaws.com", "arn:aws:sns:us-east-1:222222222222:t", "222222222222"};
  const auto sns_policy = policy(
      R"({"Effect":"Allow","Principal":{"Service":"sns.amazonaws.com"},"Action":"sqs:SendMessage","Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:222222222222:*"}}})");
  EXPECT_TRUE(policy_allows(sns_policy, "SendMessage", sns, arn));
  sns.source_arn = "arn:aws:sns:us-east-1:999999999999:t";
  EXPECT_FALSE(policy_allows(sns_policy, "SendMessage", sns, arn));
  EXPECT_FALSE(policy_allows("", "SendMessage", other, arn));
  EXPECT_FALSE(policy_allows("{broken", "SendMessage", other, arn));
  EXPECT_EQ(policy_action_for("DeleteMessageBatch"), "DeleteMessage");
}

TEST(SqsIndex, FifoGroupsAndOutOfOrderInserts) {
  MessageIndex index(true);
  const std::int64_t now = 1000;
  auto meta = [&](const std::string& group) { return MessageMeta{now, now, 0, 0, group, 0}; };
  index.insert(3, meta("a"), now);
  index.insert(1, meta("a"), now);  // arrives late: still first in its group
  index.insert(2, meta("b"), now);
  std::vector<std::uint64_t> got;
  index.receive(10, now, now + 100, [&](std::uint64_t seq, const IndexedMessage&) {
    got.push_back(seq);
    return MessageIndex::Pick::deliver;
  });
  EXPECT_EQ(got, (std::vector<std::uint64_t>{1, 3, 2}));
  EXPECT_EQ(index.inflight_count(), 3u);
  EXPECT_FALSE(index.has_receivable());
  EXPECT_EQ(*index.next_due(), now + 100);
  EXPECT_TRUE(index.erase(1));
  index.promote(now + 100);  // 3 and 2 come back
  EXPECT_EQ(index.ready_count(), 2u);
  got.clear();
  index.receive(1, now + 100, now + 200, [&](std::uint64_t seq, const IndexedMessage& m) {
    EXPECT_EQ(m.receive_count, 1u);
    got.push_back(seq);
    return MessageIndex::Pick::deliver;
  });
  EXPECT_EQ(got, (std::vector<std::uint64_t>{2}));
  std::vector<std::uint64_t> expired;
  index.expire(now, expired);
  EXPECT_EQ(expired, (std::vector<std::uint64_t>{2, 3}));
  EXPECT_EQ(index.size(), 0u);
}

TEST(SqsIndex, StandardOrderAndDrops) {
  MessageIndex index(false);
  for (std::uint64_t seq = 1; seq <= 5; ++seq) index.insert(seq, MessageMeta{0, 0, 0, 0, "", 0}, 10);
  std::vector<std::uint64_t> delivered;
  index.receive(2, 10, 20, [&](std::uint64_t seq, const IndexedMessage&) {
    if (seq == 2) return MessageIndex::Pick::drop;
    delivered.push_back(seq);
    return MessageIndex::Pick::deliver;
  });
  EXPECT_EQ(delivered, (std::vector<std::uint64_t>{1, 3}));
  EXPECT_EQ(index.size(), 4u);
  EXPECT_TRUE(index.change_visibility(1, 10, 10));   // visible again, ahead of 4 and 5
  EXPECT_FALSE(index.change_visibility(4, 50, 10));  // not in flight
  delivered.clear();
  index.receive(10, 10, 20, [&](std::uint64_t seq, const IndexedMessage&) {
    delivered.push_back(seq);
    return MessageIndex::Pick::deliver;
  });
  EXPECT_EQ(delivered, (std::vector<std::uint64_t>{1, 4, 5}));
}

}  // namespace
}  // namespace fanout::services::sqs
