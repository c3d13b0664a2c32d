// fanoutd's configuration: command line, FANOUT_* environment and an optional YAML file.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "net/http_server.h"
#include "server/accounts.h"
#include "server/admission.h"
#include "store/store.h"

namespace fanout::server {

// A stack fanoutd deploys (creates or updates) at start-up: `--deploy FILE --stack-name NAME`.
struct StartupStack {
  std::string template_file;
  std::string stack_name;
};

struct Config {
  net::ServerOptions server;
  AdmissionLimits admission;
  std::string data_dir = "./.fanout-data";
  store::Durability durability = store::Durability::fsync;
  std::vector<AccountCredential> credentials;
  std::string default_account = "000000000000";
  std::string log_level = "info";
  bool allow_reset_flag = false;
  bool verify_data = false;  // check every stored block's checksum at start (store::Options)
  std::string region = "us-east-1";
  std::vector<StartupStack> deploy;
  std::vector<std::pair<std::string, std::string>> deploy_parameters;  // --deploy-parameter KEY=VALUE
};

// Parses argv (and FANOUT_CREDENTIALS, --config FILE). Exits the process for --help and
// --version as CLI tools do; throws std::runtime_error with a user-facing message otherwise.
Config parse_config(int argc, char** argv, const std::string& version);

// Startup rules that protect users: zero-config mode only on loopback.
// Returns an error message, or empty when the configuration is acceptable.
std::string check_config(const Config& config);

bool all_listeners_loopback(const Config& config);

}  // namespace fanout::server
