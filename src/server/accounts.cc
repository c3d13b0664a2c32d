#include "server/accounts.h"

#include <algorithm>
#include <set>

namespace fanout::server {

bool is_account_id(std::string_view text) {
  return text.size() == 12 &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::optional<AccountCredential> parse_credential(std::string_view text, const std::string& default_account,
                                                  std::string* why) {
  auto fail = [&](std::string reason) -> std::optional<AccountCredential> {
    if (why) *why = std::move(reason);
    return std::nullopt;
  };
  auto first = text.find(':');
  if (first == std::string_view::npos || first == 0)
    return fail("expected ACCESS_KEY_ID:SECRET[:ACCOUNT_ID]");
  AccountCredential credential;
  credential.access_key_id = std::string(text.substr(0, first));
  auto rest = text.substr(first + 1);
  auto second = rest.rfind(':');
  if (second != std::string_view::npos && is_account_id(rest.substr(second + 1))) {
    credential.secret_access_key = std::string(rest.substr(0, second));
    credential.account_id = std::string(rest.substr(second + 1));
  } else {
    credential.secret_access_key = std::string(rest);
    credential.account_id = default_account;
  }
  if (credential.secret_access_key.empty()) return fail("the secret access key is empty");
  if (credential.access_key_id.size() > 128) return fail("the access key id is too long");
  return credential;
}

AccountRegistry::AccountRegistry(std::string default_account)
    : default_account_(std::move(default_account)) {}

void AccountRegistry::add(AccountCredential credential) {
  auto key = credential.access_key_id;
  keys_[key] = std::move(credential);
}

std::vector<std::string> AccountRegistry::account_ids() const {
  std::set<std::string> ids{default_account_};
  for (const auto& [key, credential] : keys_) ids.insert(credential.account_id);
  return {ids.begin(), ids.end()};
}

std::optional<AccountRegistry::Lookup> AccountRegistry::lookup(std::string_view access_key_id) const {
  if (!configured()) {
    // As LocalStack users expect: a 12-digit numeric key id selects that account.
    return Lookup{is_account_id(access_key_id) ? std::string(access_key_id) : default_account_, std::nullopt};
  }
  auto it = keys_.find(std::string(access_key_id));
  if (it == keys_.end()) return std::nullopt;
  return Lookup{it->second.account_id, it->second.secret_access_key};
}

}  // namespace fanout::server
