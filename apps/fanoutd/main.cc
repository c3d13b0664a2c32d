// fanoutd: one durable server speaking the AWS wire APIs of SQS, SNS, Firehose, S3 and
// CloudFormation.
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <exception>

#include "common/clock.h"
#include "console/console.h"
#include "net/http_server.h"
#include "server/config.h"
#include "server/gateway.h"
#include "services/cloudformation/startup_deploy.h"
#include "services/service_set.h"
#include "store/store.h"

namespace {
constexpr const char* kVersion = "0.1.0";

// --deploy: the stacks are created or updated before the first request is served, in the
// account of the first configured credential (or zero-config's default account).
void deploy_startup_stacks(const fanout::server::Config& config, fanout::services::ServiceSet& services,
                           const fanout::net::HttpServer& http) {
  std::vector<fanout::services::cloudformation::StartupDeployment> deployments;
  for (const auto& stack : config.deploy) {
    deployments.push_back({stack.template_file, stack.stack_name, config.deploy_parameters});
  }
  const std::string account =
      config.credentials.empty() ? config.default_account : config.credentials.front().account_id;
  // Queue URLs and the like name the address clients reach us at.
  std::string host;
  std::uint16_t port = 0;
  fanout::net::parse_listen_address(config.server.listen.front(), host, port);
  if (host == "0.0.0.0" || host == "::") host = "localhost";
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  const auto host_port = host + ":" + std::to_string(http.bound_ports().front());
  auto problem = fanout::services::cloudformation::deploy_at_startup(services.cloudformation(), account,
                                                                     config.region, host_port, deployments);
  if (!problem.empty()) throw std::runtime_error("--deploy failed: " + problem);
}
}  // namespace

int main(int argc, char** argv) {
  using namespace fanout;
  try {
    auto config = server::parse_config(argc, argv, kVersion);
    spdlog::set_level(spdlog::level::from_str(config.log_level));
    spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%l%$ %v", spdlog::pattern_time_type::utc);
    if (auto problem = server::check_config(config); !problem.empty()) {
      spdlog::error("{}", problem);
      return 2;
    }

    server::AccountRegistry accounts(config.default_account);
    for (const auto& credential : config.credentials) accounts.add(credential);

    SystemClock clock;
    store::Options store_options;
    store_options.dir = config.data_dir;
    store_options.durability = config.durability;
    store_options.column_families = services::ServiceSet::column_families();
    store_options.point_read_families = services::ServiceSet::point_read_families();
    store_options.write_only_families = services::ServiceSet::write_only_families();
    store_options.sequenced_families = services::ServiceSet::sequenced_families();
    store_options.verify_all_blocks = config.verify_data;
    const auto opening = std::chrono::steady_clock::now();
    auto store = store::Store::open(store_options);

    server::GatewayOptions gateway_options;
    gateway_options.version = kVersion;
    gateway_options.admission = config.admission;
    gateway_options.allow_reset = config.allow_reset_flag || server::all_listeners_loopback(config);
    server::Gateway gateway(accounts, clock, gateway_options);

    services::ServiceSet services(*store, clock, config.region, config.data_dir, config.verify_data);
    if (config.verify_data) {
      spdlog::info(
          "data dir verified: every RocksDB block and single-part S3 object matches its checksum ({:.2f} s)",
          std::chrono::duration<double>(std::chrono::steady_clock::now() - opening).count());
    }
    services.register_with(gateway);
    console::Console console(accounts, clock, services, config.region);
    console.register_with(gateway);

    net::HttpServer http(config.server, gateway);
    http.start();
    http.on_shutdown([&] {
      console.stop();
      services.stop();
      store->flush();
    });
    std::string ports;
    for (auto port : http.bound_ports()) ports += (ports.empty() ? "" : ",") + std::to_string(port);
    spdlog::info(
        "fanoutd {} listening on {} (port {}), data {} ({}), {}", kVersion, config.server.listen.front(),
        ports, config.durability == store::Durability::memory ? "in memory" : config.data_dir,
        config.durability == store::Durability::fsync     ? "fsync"
        : config.durability == store::Durability::relaxed ? "relaxed"
                                                          : "memory",
        accounts.configured() ? "credentials configured" : "zero-config credentials (loopback only)");
    if (!config.deploy.empty()) deploy_startup_stacks(config, services, http);
    http.run();
    spdlog::info("fanoutd stopped");
    return 0;
  } catch (const std::exception& e) {
    spdlog::error("fanoutd: {}", e.what());
    return 1;
  }
}
