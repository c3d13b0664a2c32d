// Who may call fanoutd, and which account each access key belongs to.
//
// Configured mode (any credential given): every request's signature is verified against its
// key's secret. Zero-config mode: like the emulators users come from, any well-formed SigV4
// request is accepted, in the default account (or the account a 12-digit key id names).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace fanout::server {

struct AccountCredential {
  std::string access_key_id;
  std::string secret_access_key;
  std::string account_id;
};

// Parses "ACCESS_KEY_ID:SECRET[:ACCOUNT_ID]"; nullopt (with why) on malformed text.
std::optional<AccountCredential> parse_credential(std::string_view text, const std::string& default_account,
                                                  std::string* why = nullptr);
bool is_account_id(std::string_view text);

class AccountRegistry {
 public:
  explicit AccountRegistry(std::string default_account = "000000000000");

  void add(AccountCredential credential);
  bool configured() const { return !keys_.empty(); }
  const std::string& default_account() const { return default_account_; }
  std::vector<std::string> account_ids() const;

  struct Lookup {
    std::string account_id;
    std::optional<std::string> secret;  // nullopt in zero-config mode: signature not checked
  };
  // nullopt: the key is unknown (configured mode only).
  std::optional<Lookup> lookup(std::string_view access_key_id) const;

 private:
  std::string default_account_;
  std::unordered_map<std::string, AccountCredential> keys_;
};

}  // namespace fanout::server
