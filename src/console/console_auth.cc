#include "console/console_auth.h"

#include <cstdlib>

#include "auth/sigv4.h"
#include "common/crypto.h"

namespace fanout::console {

namespace http = net::http;
using protocol::ServiceError;

namespace {

ServiceError not_authenticated() {
  return ServiceError::make("MissingAuthenticationToken",
                            "Sign the request (SigV4) or log in with an access key and secret.", 401);
}

ServiceError invalid_key() {
  return ServiceError::make("InvalidClientTokenId", "The security token included in the request is invalid.",
                            403);
}

std::string base64url(std::string_view bytes) {
  auto text = crypto::base64_encode(bytes);
  for (auto& c : text) c = c == '+' ? '-' : c == '/' ? '_' : c;
  while (!text.empty() && text.back() == '=') text.pop_back();
  return text;
}

std::optional<std::string> from_base64url(std::string text) {
  for (auto& c : text) c = c == '-' ? '+' : c == '_' ? '/' : c;
  while (text.size() % 4 != 0) text += '=';
  return crypto::base64_decode(text);
}

auth::HttpRequest to_auth_request(const net::Request& request) {
  auth::HttpRequest out;
  out.method = std::string(request.method_string());
  out.target = std::string(request.target());
  for (const auto& field : request)
    out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  out.body = request.body();
  return out;
}

}  // namespace

ConsoleAuth::ConsoleAuth(const server::AccountRegistry& accounts, const Clock& clock)
    : accounts_(accounts), clock_(clock), session_key_(crypto::random_bytes(32)) {}

std::string ConsoleAuth::sign(std::string_view payload) const {
  return crypto::hex(crypto::hmac_sha256(session_key_, payload));
}

std::variant<Caller, ServiceError> ConsoleAuth::identify(const net::Request& request) const {
  auto auth_request = to_auth_request(request);
  auto parsed = auth::parse_auth(auth_request);
  if (parsed.error && parsed.error->failure != auth::AuthFailure::missing) {
    return ServiceError::make("IncompleteSignature", parsed.error->message, 403);
  }
  if (parsed.auth) {
    auto account = accounts_.lookup(parsed.auth->scope.access_key_id);
    if (!account) return invalid_key();
    if (account->secret) {
      auth::VerifyOptions verify;
      verify.now_seconds = clock_.now_ms() / 1000;
      if (auto failure = auth::verify_request(auth_request, *parsed.auth, *account->secret, verify)) {
        return ServiceError::make(failure->failure == auth::AuthFailure::time_skewed
                                      ? "RequestTimeTooSkewed"
                                      : "SignatureDoesNotMatch",
                                  failure->message, 403);
      }
    }
    return Caller{account->account_id, parsed.auth->scope.access_key_id};
  }
  if (auto caller = from_cookie(request[http::field::cookie])) return *caller;
  if (accounts_.configured()) return not_authenticated();
  return Caller{accounts_.default_account(), ""};
}

std::variant<ConsoleAuth::Session, ServiceError> ConsoleAuth::login(std::string_view access_key_id,
                                                                    std::string_view secret) const {
  auto account = accounts_.lookup(access_key_id);
  if (!account) return invalid_key();
  if (account->secret && !crypto::constant_time_equals(*account->secret, secret)) {
    return ServiceError::make(
        "SignatureDoesNotMatch",
        "The secret access key does not match the access key " + std::string(access_key_id) + ".", 403);
  }
  const auto expires = clock_.now_ms() / 1000 + kSessionSeconds;
  const std::string payload = std::string(access_key_id) + "\n" + std::to_string(expires);
  const std::string value = base64url(payload) + "." + sign(payload);
  return Session{std::string(kCookieName) + "=" + value +
                     "; Path=/; Max-Age=" + std::to_string(kSessionSeconds) + "; HttpOnly; SameSite=Strict",
                 account->account_id};
}

std::string ConsoleAuth::logout_cookie() {
  return std::string(kCookieName) + "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict";
}

std::optional<Caller> ConsoleAuth::from_cookie(std::string_view header) const {
  // Cookie: a=b; fanout_session=<base64url(payload)>.<hex hmac>
  std::string_view value;
  while (!header.empty()) {
    auto end = header.find(';');
    auto item = header.substr(0, end);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    if (item.starts_with(kCookieName) && item.size() > kCookieName.size() &&
        item[kCookieName.size()] == '=') {
      value = item.substr(kCookieName.size() + 1);
    }
    if (end == std::string_view::npos) break;
    header.remove_prefix(end + 1);
  }
  auto dot = value.find('.');
  if (value.empty() || dot == std::string_view::npos) return std::nullopt;
  auto payload = from_base64url(std::string(value.substr(0, dot)));
  if (!payload || !crypto::constant_time_equals(sign(*payload), value.substr(dot + 1))) return std::nullopt;
  auto newline = payload->find('\n');
  if (newline == std::string::npos) return std::nullopt;
  const std::string key = payload->substr(0, newline);
  const std::int64_t expires = std::strtoll(payload->c_str() + newline + 1, nullptr, 10);
  if (expires < clock_.now_ms() / 1000) return std::nullopt;
  // The key's account as configured now (the session names the key, not the account).
  auto account = accounts_.lookup(key);
  if (!account) return std::nullopt;
  return Caller{account->account_id, key};
}

}  // namespace fanout::console
