// fanoutd: one durable server speaking the AWS wire APIs of SQS, SNS, Firehose, S3 and
// CloudFormation.
#include <spdlog/spdlog.h>

#include <cstdio>
#include <exception>

#include "common/clock.h"
#include "net/http_server.h"
#include "server/config.h"
#include "server/gateway.h"
#include "services/service_set.h"
#include "store/store.h"

namespace {
constexpr const char* kVersion = "0.1.0";
}

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
    auto store = store::Store::open(store_options);

    server::GatewayOptions gateway_options;
    gateway_options.version = kVersion;
    gateway_options.allow_reset = config.allow_reset_flag || server::all_listeners_loopback(config);
    server::Gateway gateway(accounts, clock, gateway_options);

    services::ServiceSet services(*store, clock, config.region, config.data_dir);
    services.register_with(gateway);

    net::HttpServer http(config.server, gateway);
    http.start();
    http.on_shutdown([&] {
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
    http.run();
    spdlog::info("fanoutd stopped");
    return 0;
  } catch (const std::exception& e) {
    spdlog::error("fanoutd: {}", e.what());
    return 1;
  }
}
