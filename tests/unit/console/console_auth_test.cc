#include "console/console_auth.h"

#include <gtest/gtest.h>

#include "auth/sigv4.h"

namespace fanout::console {
namespace {

using protocol::ServiceError;

server::AccountRegistry two_accounts() {
  server::AccountRegistry accounts;
  accounts.add({"AKIDA", "secret-a", "111111111111"});
  accounts.add({"AKIDB", "secret-b", "222222222222"});
  return accounts;
}

net::Request with_cookie(const std::string& set_cookie) {
  net::Request request{net::http::verb::get, "/_fanout/api/queues", 11};
  request.set(net::http::field::cookie, "other=1; " + set_cookie.substr(0, set_cookie.find(';')));
  return request;
}

TEST(ConsoleAuth, LoginChecksTheSecretAndTheCookieNamesTheKeysAccount) {
  auto accounts = two_accounts();
  ManualClock clock;
  ConsoleAuth auth(accounts, clock);
  auto wrong = auth.login("AKIDA", "secret-b");
  ASSERT_TRUE(std::holds_alternative<ServiceError>(wrong));
  EXPECT_EQ(std::get<ServiceError>(wrong).code, "SignatureDoesNotMatch");
  auto unknown = auth.login("AKIDNOBODY", "x");
  EXPECT_EQ(std::get<ServiceError>(unknown).code, "InvalidClientTokenId");

  auto session = std::get<ConsoleAuth::Session>(auth.login("AKIDB", "secret-b"));
  EXPECT_EQ(session.account_id, "222222222222");
  EXPECT_NE(session.set_cookie.find("HttpOnly"), std::string::npos);
  EXPECT_NE(session.set_cookie.find("SameSite=Strict"), std::string::npos);
  auto who = auth.identify(with_cookie(session.set_cookie));
  ASSERT_TRUE(std::holds_alternative<Caller>(who));
  EXPECT_EQ(std::get<Caller>(who).account_id, "222222222222");
}

TEST(ConsoleAuth, TamperedExpiredOrForeignCookiesAreRefused) {
  auto accounts = two_accounts();
  ManualClock clock;
  ConsoleAuth auth(accounts, clock);
  auto cookie = std::get<ConsoleAuth::Session>(auth.login("AKIDA", "secret-a")).set_cookie;
  // Another key id in the payload, same signature.
  auto tampered = cookie;
  tampered[std::string(ConsoleAuth::kCookieName).size() + 5] ^= 1;
  EXPECT_TRUE(std::holds_alternative<ServiceError>(auth.identify(with_cookie(tampered))));
  // Another fanoutd process (another session key) does not accept it.
  ConsoleAuth other(accounts, clock);
  EXPECT_TRUE(std::holds_alternative<ServiceError>(other.identify(with_cookie(cookie))));
  // Valid until it expires.
  clock.advance_ms((ConsoleAuth::kSessionSeconds - 1) * 1000);
  EXPECT_TRUE(std::holds_alternative<Caller>(auth.identify(with_cookie(cookie))));
  clock.advance_ms(2000);
  auto expired = auth.identify(with_cookie(cookie));
  ASSERT_TRUE(std::holds_alternative<ServiceError>(expired));
  EXPECT_EQ(std::get<ServiceError>(expired).http_status, 401);
}

TEST(ConsoleAuth, OpenModeIsTheDefaultAccountAndConfiguredModeNeedsACaller) {
  server::AccountRegistry open;
  ManualClock clock;
  ConsoleAuth open_auth(open, clock);
  net::Request bare{net::http::verb::get, "/_fanout/api/queues", 11};
  EXPECT_EQ(std::get<Caller>(open_auth.identify(bare)).account_id, "000000000000");
  auto accounts = two_accounts();
  ConsoleAuth auth(accounts, clock);
  EXPECT_EQ(std::get<ServiceError>(auth.identify(bare)).code, "MissingAuthenticationToken");
}

}  // namespace
}  // namespace fanout::console
