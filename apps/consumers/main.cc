// The orders and payments services of the reference system: each long-polls its SQS queue, checks
// every event, records the order (or payment) in its own SQLite database idempotently, and only
// then deletes the messages. A malformed event is left on the queue for its DLQ.
//
//   consumer --service orders   [--env .env] [--db orders.db] [--queue-url URL] [--workers N]
//   consumer --service payments [--env .env] [--db payments.db] ...
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "client/aws_error.h"
#include "client/client_config.h"
#include "client/dot_env.h"
#include "client/service_caller.h"
#include "client/sqs_client.h"
#include "ecommerce_event.h"
#include "record_store.h"
#include "visibility_extender.h"

namespace fanout::apps {
namespace {

std::atomic<bool> g_stop{false};

void on_signal(int) { g_stop.store(true); }

struct Stats {
  std::atomic<std::int64_t> received{0};
  std::atomic<std::int64_t> recorded{0};
  std::atomic<std::int64_t> duplicates{0};
  std::atomic<std::int64_t> poison{0};
  std::atomic<std::int64_t> errors{0};
};

struct Options {
  std::string service;
  std::string env_path = ".env";
  bool env_given = false;
  std::string queue_url;
  std::string db_path;
  int workers = 2;
  int wait_seconds = 20;
  int max_messages = 10;
  int work_delay_ms = 0;
  bool synchronous_normal = false;
};

struct QueueInfo {
  int visibility_timeout = 30;
  int max_receive_count = 0;  // 0: no redrive policy
  std::string dead_letter_arn;
};

std::mutex g_log_mutex;

void log_line(const std::string& service, const std::string& text) {
  std::lock_guard lock(g_log_mutex);
  std::cerr << "\n" << service << ": " << text << std::endl;
}

QueueInfo read_queue_info(client::SqsClient& sqs, const std::string& queue_url, const std::string& service) {
  QueueInfo info;
  for (int attempt = 0; !g_stop; ++attempt) {
    try {
      auto attributes = sqs.get_queue_attributes(queue_url, {"VisibilityTimeout", "RedrivePolicy"});
      if (auto it = attributes.find("VisibilityTimeout"); it != attributes.end()) {
        info.visibility_timeout = std::stoi(it->second);
      }
      if (auto it = attributes.find("RedrivePolicy"); it != attributes.end()) {
        boost::system::error_code ec;
        auto policy = boost::json::parse(it->second, ec);
        if (!ec && policy.is_object()) {
          const auto& object = policy.as_object();
          if (auto count = object.find("maxReceiveCount"); count != object.end()) {
            info.max_receive_count = count->value().is_string()
                                         ? std::stoi(std::string(count->value().as_string()))
                                     : count->value().is_int64() ? static_cast<int>(count->value().as_int64())
                                                                 : 0;
          }
          if (auto arn = object.find("deadLetterTargetArn");
              arn != object.end() && arn->value().is_string()) {
            info.dead_letter_arn = std::string(arn->value().as_string());
          }
        }
      }
      return info;
    } catch (const client::AwsError& e) {
      if (e.code() == "QueueDoesNotExist" || e.code() == "AWS.SimpleQueueService.NonExistentQueue" ||
          e.http_status() == 403) {
        throw;
      }
      if (attempt % 10 == 0) log_line(service, std::string("waiting for the queue: ") + e.what());
    } catch (const client::TransportError& e) {
      if (attempt % 10 == 0) log_line(service, std::string("waiting for the endpoint: ") + e.what());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  return info;
}

class Worker {
 public:
  Worker(const client::ClientConfig& config, const Options& options, const QueueInfo& queue,
         RecordStore& store, Stats& stats)
      : sqs_(config),
        extender_(config, options.queue_url, queue.visibility_timeout),
        options_(options),
        queue_(queue),
        store_(store),
        stats_(stats) {}

  void run() {
    int consecutive_failures = 0;
    while (!g_stop) {
      try {
        poll_once();
        consecutive_failures = 0;
      } catch (const std::exception& e) {
        if (g_stop) break;
        ++stats_.errors;
        // The client already retried; back off further while the service is unreachable.
        if (consecutive_failures++ % 20 == 0) log_line(options_.service, std::string("error: ") + e.what());
        std::this_thread::sleep_for(std::chrono::milliseconds(std::min(2000, 100 * consecutive_failures)));
      }
    }
  }

 private:
  void poll_once() {
    client::SqsReceiveRequest request;
    request.queue_url = options_.queue_url;
    request.max_messages = options_.max_messages;
    request.wait_time_seconds = options_.wait_seconds;
    // Only what the service uses: the receive count, for the poison-message log. The event's
    // type and version travel in the body too, so its message attributes are not fetched.
    request.message_attribute_names = {};
    request.system_attribute_names = {"ApproximateReceiveCount"};
    sqs_.caller().transport().set_abort_flag(&g_stop);
    std::vector<client::SqsMessage> messages;
    try {
      messages = sqs_.receive_message(request);
    } catch (...) {
      sqs_.caller().transport().set_abort_flag(nullptr);
      if (g_stop) return;  // shutting down mid-poll: the messages, if any, come back after the timeout
      throw;
    }
    sqs_.caller().transport().set_abort_flag(nullptr);
    if (messages.empty()) return;
    stats_.received += static_cast<std::int64_t>(messages.size());

    std::vector<client::SqsReceiptEntry> all;
    all.reserve(messages.size());
    for (std::size_t i = 0; i < messages.size(); ++i)
      all.push_back({std::to_string(i), messages[i].receipt_handle, 0});
    extender_.cover(all);

    std::vector<ConsumerCreatedEvent> events;
    std::vector<client::SqsReceiptEntry> to_delete;
    events.reserve(messages.size());
    to_delete.reserve(messages.size());
    for (std::size_t i = 0; i < messages.size(); ++i) {
      const auto& message = messages[i];
      EventParseResult parsed = parse_sqs_body(message.body);
      if (!parsed.error.empty()) {
        report_poison(message, parsed.error);
        continue;
      }
      events.push_back(std::move(*parsed.event));
      to_delete.push_back(all[i]);
    }
    if (options_.work_delay_ms > 0)
      std::this_thread::sleep_for(std::chrono::milliseconds(options_.work_delay_ms));
    if (!events.empty()) {
      const RecordStore::CommitResult result = store_.record(events);
      stats_.recorded += result.recorded;
      stats_.duplicates += result.duplicates;
    }
    extender_.cover({});
    // Only now, with the records committed, may the messages go.
    if (!to_delete.empty()) {
      client::SqsBatchResult deleted = sqs_.delete_message_batch(options_.queue_url, to_delete);
      for (const auto& failure : deleted.failed) {
        ++stats_.errors;
        log_line(options_.service, "delete of entry " + failure.id + " failed (" + failure.code + ": " +
                                       failure.message +
                                       "); it will be redelivered and counted as a duplicate");
      }
    }
  }

  void report_poison(const client::SqsMessage& message, const std::string& reason) {
    ++stats_.poison;
    std::string receives = "?";
    if (auto it = message.attributes.find("ApproximateReceiveCount"); it != message.attributes.end()) {
      receives = it->second;
    }
    std::string fate;
    if (queue_.max_receive_count > 0) {
      fate = "left on the queue (receive " + receives + " of maxReceiveCount " +
             std::to_string(queue_.max_receive_count) + "); the DLQ " + queue_.dead_letter_arn +
             " takes it after that";
    } else {
      fate = "left on the queue (receive " + receives +
             "); the queue has no redrive policy, so it returns until its retention period ends";
    }
    log_line(options_.service,
             "POISON message " + message.message_id + ": " + reason + "; not deleted, " + fate);
  }

  client::SqsClient sqs_;
  VisibilityExtender extender_;
  const Options& options_;
  const QueueInfo& queue_;
  RecordStore& store_;
  Stats& stats_;
};

std::string progress_text(const std::string& service, const Stats& stats) {
  return service + ": received " + std::to_string(stats.received.load()) + ", recorded " +
         std::to_string(stats.recorded.load()) + ", duplicates " + std::to_string(stats.duplicates.load()) +
         ", poison " + std::to_string(stats.poison.load()) + ", errors " +
         std::to_string(stats.errors.load());
}

int run(Options options) {
  const ServiceKind kind = options.service == "orders" ? ServiceKind::orders : ServiceKind::payments;
  const std::string url_variable = kind == ServiceKind::orders ? "URL_ORDERS" : "URL_PAYMENTS";

  std::optional<client::DotEnv> dot_env;
  if (options.env_given || std::filesystem::exists(options.env_path))
    dot_env = client::DotEnv::load(options.env_path);
  if (options.queue_url.empty()) {
    // Read at start-up; nothing in this process modifies the environment.
    // NOLINTNEXTLINE(concurrency-mt-unsafe): see above
    if (const char* from_env = std::getenv(url_variable.c_str()); from_env && *from_env) {
      options.queue_url = from_env;
    } else if (dot_env) {
      options.queue_url = dot_env->require(url_variable);
    } else {
      throw client::ConfigError(url_variable + " is not set: pass --queue-url, set " + url_variable +
                                ", or provide a .env (--env)");
    }
  }
  if (options.db_path.empty()) options.db_path = options.service + ".db";

  client::ConfigSources sources;
  sources.dot_env = dot_env ? &*dot_env : nullptr;
  sources.region_fallback = client::region_from_arn_or_url(options.queue_url);
  // A queue URL on an endpoint override (fanoutd) names no region; the .env's topic ARN does.
  if (sources.region_fallback.empty() && dot_env && dot_env->get("ARN")) {
    sources.region_fallback = client::region_from_arn_or_url(*dot_env->get("ARN"));
  }
  const client::ClientConfig config = client::load_client_config(sources);

  RecordStore store(options.db_path, kind, !options.synchronous_normal);
  Stats stats;
  client::SqsClient sqs(config);
  log_line(options.service, "queue " + options.queue_url + " via " + config.endpoint_for("sqs").origin() +
                                ", credentials from " + config.credentials_source + ", database " +
                                options.db_path);
  const QueueInfo queue = read_queue_info(sqs, options.queue_url, options.service);

  std::vector<std::unique_ptr<Worker>> workers;
  std::vector<std::thread> threads;
  for (int i = 0; i < options.workers; ++i) {
    workers.push_back(std::make_unique<Worker>(config, options, queue, store, stats));
    threads.emplace_back([worker = workers.back().get()] { worker->run(); });
  }
  const bool tty = isatty(STDERR_FILENO);
  auto last = std::chrono::steady_clock::now();
  while (!g_stop) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    const auto now = std::chrono::steady_clock::now();
    if (now - last >= std::chrono::seconds(tty ? 1 : 5)) {
      last = now;
      std::lock_guard lock(g_log_mutex);
      std::cerr << (tty ? "\r" : "") << progress_text(options.service, stats) << (tty ? "   " : "\n")
                << std::flush;
    }
  }
  // Workers finish the batch in hand (commit, delete) and return.
  for (auto& thread : threads) thread.join();
  log_line(options.service, "stopped; " + progress_text(options.service, stats));
  return 0;
}

}  // namespace
}  // namespace fanout::apps

int main(int argc, char** argv) {
  using fanout::apps::Options;
  Options options;
  CLI::App app{"The orders / payments service: records events from its SQS queue in SQLite"};
  app.add_option("--service", options.service, "orders or payments")
      ->required()
      ->check(CLI::IsMember({"orders", "payments"}));
  auto* env =
      app.add_option("--env", options.env_path, "the .env file (ACCESS_KEY, SECRET_KEY, URL_ORDERS, ...)");
  app.add_option("--queue-url", options.queue_url, "overrides URL_ORDERS / URL_PAYMENTS");
  app.add_option("--db", options.db_path, "SQLite database (default <service>.db)");
  app.add_option("--workers", options.workers, "concurrent long-polling workers")->check(CLI::Range(1, 64));
  app.add_option("--wait-seconds", options.wait_seconds, "long-poll WaitTimeSeconds")
      ->check(CLI::Range(0, 20));
  app.add_option("--max-messages", options.max_messages, "messages per receive")->check(CLI::Range(1, 10));
  app.add_option("--work-delay-ms", options.work_delay_ms, "simulated slow work per batch (testing)");
  app.add_flag("--synchronous-normal", options.synchronous_normal,
               "SQLite synchronous=NORMAL instead of FULL (WAL still survives a process crash)");
  CLI11_PARSE(app, argc, argv);
  options.env_given = env->count() > 0;

  struct sigaction action {};
  action.sa_handler = fanout::apps::on_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  try {
    return fanout::apps::run(options);
  } catch (const std::exception& e) {
    std::cerr << options.service << ": " << e.what() << std::endl;
    return 2;
  }
}
