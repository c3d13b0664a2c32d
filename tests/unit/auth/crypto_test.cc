// Known-answer tests for the hashes, MACs and encodings (FIPS 180, RFC 1321, RFC 4231, RFC 2202,
// RFC 4648 vectors).
#include "common/crypto.h"

#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>
#include <vector>

namespace fanout::crypto {
namespace {

TEST(CryptoTest, Sha256KnownAnswers) {
  EXPECT_EQ(hex(sha256("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(hex(sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(hex(sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(hex(sha256(std::string(1000000, 'a'))),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  EXPECT_EQ(sha256("abc").size(), 32u);
}

TEST(CryptoTest, Sha1KnownAnswers) {
  EXPECT_EQ(hex(sha1("")), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  EXPECT_EQ(hex(sha1("abc")), "a9993e364706816aba3e25717850c26c9cd0d89d");
}

TEST(CryptoTest, Md5KnownAnswers) {
  EXPECT_EQ(hex(md5("")), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(hex(md5("a")), "0cc175b9c0f1b6a831c399e269772661");
  EXPECT_EQ(hex(md5("message digest")), "f96b697d7cb7938d525a2f31aaf161d0");
  EXPECT_EQ(hex(md5("12345678901234567890123456789012345678901234567890123456789012345678901234567890")),
            "57edf4a22be3c955ac49da2e2107b67a");
  // SQS's MD5OfMessageBody for "hello world".
  EXPECT_EQ(hex(md5("hello world")), "5eb63bbbe01eeed093cb22bb8f5acdc3");
}

TEST(CryptoTest, HexDecodeInvertsHexAndRefusesTheRest) {
  const std::string bytes("\x00\x01\x7f\x80\xfe\xff", 6);
  EXPECT_EQ(hex_decode(hex(bytes)), bytes);
  EXPECT_EQ(hex_decode("ABcd"), std::string("\xab\xcd"));
  EXPECT_EQ(hex_decode(""), std::string());
  EXPECT_EQ(hex_decode("abc"), std::nullopt);  // odd length
  EXPECT_EQ(hex_decode("zz"), std::nullopt);   // not hex
  EXPECT_EQ(hex_decode("0g"), std::nullopt);   // low nibble not hex
  EXPECT_EQ(hex_decode("-1"), std::nullopt);   // what std::stoi would have taken
  EXPECT_EQ(hex_decode(" 1"), std::nullopt);
}

TEST(CryptoTest, HmacSha256Rfc4231) {
  // Test case 1.
  EXPECT_EQ(hex(hmac_sha256(std::string(20, '\x0b'), "Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  // Test case 2: a key shorter than the block.
  EXPECT_EQ(hex(hmac_sha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // Test case 6: a key longer than the block is hashed first.
  EXPECT_EQ(
      hex(hmac_sha256(std::string(131, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First")),
      "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  // An empty key is legal.
  EXPECT_EQ(hex(hmac_sha256("", "")), "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

// The precomputed-key form against the RFC 4231 vectors, keys around the 64-byte block size
// (shorter, exact, longer: hashed first) and reuse of one key for many messages.
TEST(CryptoTest, HmacSha256KeyMatchesHmacSha256) {
  EXPECT_EQ(hex(HmacSha256Key(std::string(20, '\x0b')).mac("Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  EXPECT_EQ(hex(HmacSha256Key(std::string(131, '\xaa'))
                    .mac("Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  for (std::size_t key_size : {0, 1, 32, 63, 64, 65, 200}) {
    std::string key(key_size, '\0');
    for (std::size_t i = 0; i < key_size; ++i) key[i] = static_cast<char>(i * 37 + 11);
    const HmacSha256Key keyed(key);
    for (std::size_t data_size : {0, 1, 21, 55, 56, 64, 1000}) {
      const std::string data(data_size, static_cast<char>('a' + data_size % 26));
      EXPECT_EQ(keyed.mac(data), hmac_sha256(key, data)) << key_size << " " << data_size;
    }
  }
}

TEST(CryptoTest, HmacSha1Rfc2202) {
  EXPECT_EQ(hex(hmac_sha1(std::string(20, '\x0b'), "Hi There")), "b617318655057264e28bc0b6fb378c8ef146be00");
  EXPECT_EQ(hex(hmac_sha1("Jefe", "what do ya want for nothing?")),
            "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
}

TEST(CryptoTest, HexIsLowerCaseAndCoversAllBytes) {
  EXPECT_EQ(hex(""), "");
  EXPECT_EQ(hex(std::string("\x00\x01\x7f\x80\xab\xff", 6)), "00017f80abff");
}

TEST(CryptoTest, Base64Rfc4648Vectors) {
  const std::pair<std::string, std::string> vectors[] = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(base64_encode(plain), encoded);
    EXPECT_EQ(base64_decode(encoded), plain) << encoded;
  }
  const std::string all_bytes = [] {
    std::string s;
    for (int i = 0; i < 256; ++i) s += static_cast<char>(i);
    return s;
  }();
  EXPECT_EQ(base64_decode(base64_encode(all_bytes)), all_bytes);
  EXPECT_EQ(base64_encode("\xfb\xff"), "+/8=");
}

TEST(CryptoTest, Base64RejectsNonCanonicalInput) {
  for (const char* bad : {
           "Zg",        // unpadded
           "Zg=",       // short padding
           "Zm9",       // length not a multiple of 4
           "Z===",      // too much padding
           "====",      // padding only
           "Zg==Zg==",  // padding in the middle
           "Zh==",      // non-zero trailing bits (canonical form is Zg==)
           "Zm9=",      // non-zero trailing bits (canonical form is Zm8=)
           "Zm9v\n",    // whitespace
           "Zm 9v",     // whitespace
           "Zm9-",      // URL-safe alphabet
           "Zm9_",      // URL-safe alphabet
           "Zm9v====",  // padding block
           "=Zm9",      // leading padding
       }) {
    EXPECT_FALSE(base64_decode(bad).has_value()) << bad;
  }
  EXPECT_FALSE(base64_decode(std::string("Zm9\0", 4)).has_value());
}

TEST(CryptoTest, ConstantTimeEquals) {
  EXPECT_TRUE(constant_time_equals("", ""));
  EXPECT_TRUE(constant_time_equals("abc", "abc"));
  EXPECT_FALSE(constant_time_equals("abc", "abd"));
  EXPECT_FALSE(constant_time_equals("abc", "ab"));
}

TEST(CryptoTest, RandomBytesAndUuid) {
  EXPECT_EQ(random_bytes(0).size(), 0u);
  EXPECT_EQ(random_bytes(33).size(), 33u);
  EXPECT_NE(random_bytes(32), random_bytes(32));
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    const std::string id = uuid_v4();
    ASSERT_EQ(id.size(), 36u);
    EXPECT_EQ(id[8], '-');
    EXPECT_EQ(id[13], '-');
    EXPECT_EQ(id[18], '-');
    EXPECT_EQ(id[23], '-');
    EXPECT_EQ(id[14], '4');                                          // version
    EXPECT_NE(std::string("89ab").find(id[19]), std::string::npos);  // RFC 4122 variant
    for (char c : id) EXPECT_TRUE(c == '-' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) << id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 100u);
}

TEST(CryptoTest, ThreadSafe) {
  // The fetched algorithm objects are shared; hammer them from several threads.
  std::vector<std::thread> threads;
  threads.reserve(4);
  std::atomic<int> wrong{0};
  const HmacSha256Key shared_key("Jefe");
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) {
        if (hex(hmac_sha256("Jefe", "what do ya want for nothing?")) !=
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843") {
          ++wrong;
        }
        // Alternating digests and keys on one thread reuses its per-thread contexts.
        if (hex(hmac_sha1("Jefe", "what do ya want for nothing?")) !=
            "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79") {
          ++wrong;
        }
        if (hex(sha256("abc")) != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") ++wrong;
        // One precomputed key shared by every thread.
        if (hex(shared_key.mac("what do ya want for nothing?")) !=
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843") {
          ++wrong;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
}

}  // namespace
}  // namespace fanout::crypto
