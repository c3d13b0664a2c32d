#include "server/config.h"

#include <yaml-cpp/yaml.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>

namespace fanout::server {

namespace {

void add_credential(Config& config, const std::string& text) {
  std::string why;
  auto credential = parse_credential(text, config.default_account, &why);
  if (!credential)
    throw std::runtime_error("bad credential '" + text.substr(0, text.find(':')) + ":…': " + why);
  config.credentials.push_back(std::move(*credential));
}

void split_and_add(Config& config, const std::string& list) {
  std::size_t start = 0;
  while (start <= list.size()) {
    auto comma = list.find(',', start);
    auto item = list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!item.empty()) add_credential(config, item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
}

void load_yaml(Config& config, const std::string& path, std::vector<std::string>& credential_texts) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot read config " + path + ": " + e.what());
  }
  if (auto n = root["listen"]) {
    config.server.listen.clear();
    if (n.IsSequence()) {
      for (const auto& item : n) config.server.listen.push_back(item.as<std::string>());
    } else {
      config.server.listen.push_back(n.as<std::string>());
    }
  }
  if (auto n = root["data_dir"]) config.data_dir = n.as<std::string>();
  if (auto n = root["durability"]) {
    auto d = store::parse_durability(n.as<std::string>());
    if (!d) throw std::runtime_error("config: durability must be fsync, relaxed or memory");
    config.durability = *d;
  }
  if (auto n = root["default_account"]) config.default_account = n.as<std::string>();
  if (auto n = root["log_level"]) config.log_level = n.as<std::string>();
  if (auto n = root["allow_reset"]) config.allow_reset_flag = n.as<bool>();
  if (auto n = root["verify_data"]) config.verify_data = n.as<bool>();
  if (auto n = root["tls_cert"]) config.server.tls_cert_file = n.as<std::string>();
  if (auto n = root["tls_key"]) config.server.tls_key_file = n.as<std::string>();
  if (auto n = root["max_connections"]) config.server.max_connections = n.as<std::size_t>();
  if (auto n = root["max_inflight_requests"]) config.admission.max_inflight_requests = n.as<std::size_t>();
  if (auto n = root["max_long_polls"]) config.admission.max_long_polls = n.as<std::size_t>();
  if (auto n = root["max_long_polls_per_account"])
    config.admission.max_long_polls_per_account = n.as<std::size_t>();
  if (auto n = root["max_buffered_body_bytes"]) config.server.max_buffered_body_bytes = n.as<std::uint64_t>();
  if (auto n = root["credentials"]) {
    for (const auto& item : n) {
      if (item.IsScalar()) {
        credential_texts.push_back(item.as<std::string>());
      } else {
        std::string text =
            item["access_key_id"].as<std::string>() + ":" + item["secret_access_key"].as<std::string>();
        if (item["account_id"]) text += ":" + item["account_id"].as<std::string>();
        credential_texts.push_back(text);
      }
    }
  }
}

}  // namespace

Config parse_config(int argc, char** argv, const std::string& version) {
  Config config;
  CLI::App app{
      "fanoutd — one durable server speaking the AWS wire APIs of SQS, SNS, Firehose, S3 and "
      "CloudFormation"};
  app.set_version_flag("--version", "fanoutd " + version);
  std::vector<std::string> listen;
  std::vector<std::string> credentials;
  std::string config_file, durability;
  std::uint64_t header_timeout_ms = 0, idle_timeout_ms = 0, body_timeout_ms = 0;
  app.add_option("--config", config_file, "YAML configuration file");
  app.add_option("--listen", listen, "host:port to listen on (repeatable; default 127.0.0.1:4566)");
  app.add_option("--data-dir", config.data_dir, "where state is kept (default ./.fanout-data)");
  app.add_option("--durability", durability, "fsync (default) | relaxed | memory");
  app.add_option("--credential", credentials,
                 "ACCESS_KEY_ID:SECRET[:ACCOUNT_ID] (repeatable); any credential turns on verification");
  app.add_option("--default-account", config.default_account, "12-digit account id of zero-config mode");
  app.add_option("--log-level", config.log_level, "trace | debug | info | warn | error");
  app.add_flag("--allow-reset", config.allow_reset_flag,
               "allow POST /_fanout/reset on a non-loopback listener");
  app.add_flag("--verify-data", config.verify_data,
               "read the whole data dir and check every block's checksum before serving");
  app.add_option("--tls-cert", config.server.tls_cert_file, "PEM certificate chain; serve TLS");
  app.add_option("--tls-key", config.server.tls_key_file, "PEM private key for --tls-cert");
  app.add_option("--threads", config.server.threads, "I/O threads (default: one per core)");
  app.add_option("--max-connections", config.server.max_connections, "open connections before refusing");
  app.add_option("--header-timeout-ms", header_timeout_ms, "time to receive a request header");
  app.add_option("--idle-timeout-ms", idle_timeout_ms, "keep-alive idle time before closing");
  app.add_option("--body-timeout-ms", body_timeout_ms, "time to receive a body once its header is in");
  app.add_option("--max-inflight-requests", config.admission.max_inflight_requests,
                 "requests processed at once (long polls excluded) before throttling (default 4096)");
  app.add_option("--max-long-polls", config.admission.max_long_polls,
                 "SQS ReceiveMessage calls waiting at once before throttling (default 10000)");
  app.add_option("--max-long-polls-per-account", config.admission.max_long_polls_per_account,
                 "the same, per account (default 5000)");
  app.add_option("--max-buffered-body-bytes", config.server.max_buffered_body_bytes,
                 "request bodies held in memory at once before throttling (default 512 MiB)");
  std::vector<std::string> deploy_files, stack_names, deploy_parameters;
  app.add_option("--deploy", deploy_files,
                 "CloudFormation template to deploy (create or update) at start-up (repeatable)");
  app.add_option("--stack-name", stack_names,
                 "stack name for the --deploy at the same position (default: the template's file stem)");
  app.add_option("--deploy-parameter", deploy_parameters,
                 "KEY=VALUE parameter for every --deploy template that declares KEY (repeatable)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help, --version and argument errors end the process here, first thing in main, before
    // any thread exists.
    std::exit(app.exit(e));  // NOLINT(concurrency-mt-unsafe): single-threaded start-up
  }

  std::vector<std::string> credential_texts;
  if (!config_file.empty()) load_yaml(config, config_file, credential_texts);
  if (!listen.empty()) config.server.listen = listen;
  if (!durability.empty()) {
    auto d = store::parse_durability(durability);
    if (!d) throw std::runtime_error("--durability must be fsync, relaxed or memory");
    config.durability = *d;
  }
  if (header_timeout_ms) config.server.header_timeout = std::chrono::milliseconds(header_timeout_ms);
  if (idle_timeout_ms) config.server.idle_timeout = std::chrono::milliseconds(idle_timeout_ms);
  if (body_timeout_ms) config.server.body_timeout = std::chrono::milliseconds(body_timeout_ms);
  if (!is_account_id(config.default_account)) throw std::runtime_error("--default-account must be 12 digits");
  for (const auto& text : credential_texts) add_credential(config, text);
  // NOLINTNEXTLINE(concurrency-mt-unsafe): read at start-up; nothing in fanoutd modifies the environment
  if (const char* env = std::getenv("FANOUT_CREDENTIALS"); env && *env) split_and_add(config, env);
  for (const auto& text : credentials) add_credential(config, text);
  if (stack_names.size() > deploy_files.size()) throw std::runtime_error("--stack-name without a --deploy");
  for (std::size_t i = 0; i < deploy_files.size(); ++i) {
    std::string name =
        i < stack_names.size() ? stack_names[i] : std::filesystem::path(deploy_files[i]).stem().string();
    config.deploy.push_back({deploy_files[i], std::move(name)});
  }
  for (const auto& text : deploy_parameters) {
    auto eq = text.find('=');
    if (eq == std::string::npos || eq == 0)
      throw std::runtime_error("--deploy-parameter must be KEY=VALUE: " + text);
    config.deploy_parameters.emplace_back(text.substr(0, eq), text.substr(eq + 1));
  }
  return config;
}

bool all_listeners_loopback(const Config& config) {
  for (const auto& address : config.server.listen) {
    std::string host;
    std::uint16_t port = 0;
    if (!net::parse_listen_address(address, host, port) || !net::is_loopback_host(host)) return false;
  }
  return true;
}

std::string check_config(const Config& config) {
  for (const auto& address : config.server.listen) {
    std::string host;
    std::uint16_t port = 0;
    if (!net::parse_listen_address(address, host, port)) return "bad --listen address '" + address + "'";
  }
  if (config.credentials.empty() && !all_listeners_loopback(config)) {
    return "refusing to listen on a non-loopback address without credentials: zero-config mode accepts any "
           "signature. Give --credential ACCESS_KEY_ID:SECRET[:ACCOUNT_ID] (or FANOUT_CREDENTIALS) and "
           "prefer "
           "--tls-cert/--tls-key.";
  }
  return {};
}

}  // namespace fanout::server
