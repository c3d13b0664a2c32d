// Who is calling the console and its API. Open mode (no credentials configured): the default
// account, or the account a signed request's key names, as the gateway does. Configured mode:
// a SigV4-signed request verified against its key's secret, or a session cookie issued by
// login() after the secret was checked here; anything else is refused.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "common/clock.h"
#include "net/http_handler.h"
#include "protocol/service_error.h"
#include "server/accounts.h"

namespace fanout::console {

struct Caller {
  std::string account_id;
  std::string access_key_id;  // empty in open mode without a signature
};

class ConsoleAuth {
 public:
  static constexpr std::string_view kCookieName = "fanout_session";
  static constexpr std::int64_t kSessionSeconds = std::int64_t{12} * 3600;

  ConsoleAuth(const server::AccountRegistry& accounts, const Clock& clock);

  bool configured() const { return accounts_.configured(); }
  // The caller of a request, or the error to answer with (401/403).
  std::variant<Caller, protocol::ServiceError> identify(const net::Request& request) const;
  // Checks a key and secret; on success a new session (the Set-Cookie value) for its account.
  struct Session {
    std::string set_cookie;
    std::string account_id;
  };
  std::variant<Session, protocol::ServiceError> login(std::string_view access_key_id,
                                                      std::string_view secret) const;
  // The Set-Cookie value that ends the session.
  static std::string logout_cookie();

 private:
  std::optional<Caller> from_cookie(std::string_view cookie_header) const;
  std::string sign(std::string_view payload) const;

  const server::AccountRegistry& accounts_;
  const Clock& clock_;
  std::string session_key_;  // random per process: sessions end when fanoutd restarts
};

}  // namespace fanout::console
