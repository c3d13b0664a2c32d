// The producer of the reference system: publishes a new consumer, its order and its payment as a
// "consumer.created" event to the SNS topic. One event every 5 s by default; --rate/--count for
// load (PublishBatch with several requests in flight).
//
//   producer [--env .env] [--topic-arn ARN] [--rate EVENTS_PER_SECOND] [--count N] [--concurrency N]
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "client/aws_error.h"
#include "client/client_config.h"
#include "client/dot_env.h"
#include "client/sns_client.h"
#include "ecommerce_event.h"
#include "event_generator.h"

namespace fanout::apps {
namespace {

using Clock = std::chrono::steady_clock;

std::atomic<bool> g_stop{false};
void on_signal(int) { g_stop.store(true); }

struct Options {
  std::string env_path = ".env";
  bool env_given = false;
  std::string topic_arn;
  double rate = 0.2;
  std::int64_t count = 0;  // 0: until stopped
  int concurrency = 0;     // 0: from the rate
  bool quiet = false;
};

struct Stats {
  std::atomic<std::int64_t> sent{0};
  std::atomic<std::int64_t> errors{0};
  std::atomic<std::int64_t> republished{0};
};

std::mutex g_log_mutex;
void log_line(const std::string& text) {
  std::lock_guard lock(g_log_mutex);
  std::cerr << "\nproducer: " << text << std::endl;
}

// Hands out the right to publish: `rate` events per second from the start, at most `count`.
class Pacer {
 public:
  Pacer(double rate, std::int64_t count) : rate_(rate), count_(count), start_(Clock::now()) {}

  // Up to `max` events may go now; 0 when done (count reached or stopped).
  int claim(int max) {
    while (!g_stop) {
      std::int64_t wait_ms = 0;
      {
        std::lock_guard lock(mutex_);
        if (count_ > 0 && claimed_ >= count_) return 0;
        const double elapsed = std::chrono::duration<double>(Clock::now() - start_).count();
        std::int64_t allowed = static_cast<std::int64_t>(std::floor(elapsed * rate_)) + 1;
        if (count_ > 0) allowed = std::min(allowed, count_);
        const std::int64_t available = allowed - claimed_;
        if (available > 0) {
          const int n = static_cast<int>(std::min<std::int64_t>(available, max));
          claimed_ += n;
          return n;
        }
        wait_ms = static_cast<std::int64_t>(((static_cast<double>(claimed_) / rate_) - elapsed) * 1000.0) + 1;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(std::clamp<std::int64_t>(wait_ms, 1, 100)));
    }
    return 0;
  }

 private:
  std::mutex mutex_;
  double rate_;
  std::int64_t count_;
  std::int64_t claimed_ = 0;
  Clock::time_point start_;
};

client::MessageAttributes event_attributes() {
  return {{"event_type", {"String", std::string(ConsumerCreatedEvent::kType), ""}},
          {"event_version", {"String", std::string(ConsumerCreatedEvent::kVersion), ""}}};
}

class Publisher {
 public:
  Publisher(const client::ClientConfig& config, const Options& options, Pacer& pacer, Stats& stats)
      : sns_(config), options_(options), pacer_(pacer), stats_(stats) {}

  void run() {
    const int batch_max = options_.rate >= 10 ? 10 : 1;
    while (!g_stop) {
      const int n = pacer_.claim(batch_max);
      if (n == 0) return;
      std::vector<ConsumerCreatedEvent> events;
      events.reserve(static_cast<std::size_t>(n));
      for (int i = 0; i < n; ++i) events.push_back(generator_.next());
      publish_until_accepted(std::move(events));
    }
  }

 private:
  // A publish the service did not accept is sent again, with the same event id: the services
  // record by event id, so a resend whose first response was merely lost costs nothing.
  void publish_until_accepted(std::vector<ConsumerCreatedEvent> events) {
    bool first_try = true;
    int failures = 0;
    while (!events.empty() && !g_stop) {
      if (!first_try) stats_.republished += static_cast<std::int64_t>(events.size());
      first_try = false;
      try {
        events = publish(events);
        if (!events.empty()) ++failures;
      } catch (const std::exception& e) {
        stats_.errors += static_cast<std::int64_t>(events.size());
        if (failures++ % 10 == 0) log_line(std::string("publish failed, will retry: ") + e.what());
      }
      if (!events.empty())
        std::this_thread::sleep_for(std::chrono::milliseconds(std::min(2000, 100 * failures)));
    }
  }

  // Returns the events that were not accepted.
  // `events` survives a throw intact, so the caller can send it again.
  std::vector<ConsumerCreatedEvent> publish(std::vector<ConsumerCreatedEvent>& events) {
    // Stamped at the first attempt: latency is measured from when the event was first published.
    const std::string stamp = format_timestamp_ms(now_ms());
    for (auto& event : events) {
      if (event.occurred_at.empty()) event.occurred_at = stamp;
    }
    if (events.size() == 1) {
      sns_.publish({options_.topic_arn, to_json(events[0]), "", event_attributes(), "", ""});
      ++stats_.sent;
      return {};
    }
    std::vector<client::SnsPublishBatchEntry> entries;
    for (std::size_t i = 0; i < events.size(); ++i) {
      entries.push_back({std::to_string(i), to_json(events[i]), "", event_attributes(), "", ""});
    }
    client::SnsPublishBatchResult result = sns_.publish_batch(options_.topic_arn, entries);
    stats_.sent += static_cast<std::int64_t>(result.successful.size());
    std::vector<ConsumerCreatedEvent> rejected;
    for (const auto& failure : result.failed) {
      ++stats_.errors;
      if (failure.sender_fault) {
        // The request itself is wrong: resending cannot help.
        log_line("event rejected (" + failure.code + "): " + failure.message);
        continue;
      }
      rejected.push_back(events.at(std::stoul(failure.id)));
    }
    return rejected;
  }

  client::SnsClient sns_;
  EventGenerator generator_;
  const Options& options_;
  Pacer& pacer_;
  Stats& stats_;
};

int run(Options options) {
  std::optional<client::DotEnv> dot_env;
  if (options.env_given || std::filesystem::exists(options.env_path))
    dot_env = client::DotEnv::load(options.env_path);
  if (options.topic_arn.empty()) {
    // Read at start-up; nothing in this process modifies the environment.
    // NOLINTNEXTLINE(concurrency-mt-unsafe): see above
    if (const char* from_env = std::getenv("ARN"); from_env && *from_env) {
      options.topic_arn = from_env;
    } else if (dot_env) {
      options.topic_arn = dot_env->require("ARN");
    } else {
      throw client::ConfigError("ARN is not set: pass --topic-arn, set ARN, or provide a .env (--env)");
    }
  }
  client::ConfigSources sources;
  sources.dot_env = dot_env ? &*dot_env : nullptr;
  sources.region_fallback = client::region_from_arn_or_url(options.topic_arn);
  const client::ClientConfig config = client::load_client_config(sources);

  int concurrency = options.concurrency;
  if (concurrency <= 0) concurrency = options.rate <= 10 ? 1 : options.rate <= 500 ? 2 : 16;
  if (!options.quiet) {
    log_line("topic " + options.topic_arn + " via " + config.endpoint_for("sns").origin() +
             ", credentials from " + config.credentials_source + ", " + std::to_string(options.rate) +
             " events/s, " + std::to_string(concurrency) + " in flight");
  }

  Pacer pacer(options.rate, options.count);
  Stats stats;
  std::vector<std::unique_ptr<Publisher>> publishers;
  std::vector<std::thread> threads;
  std::atomic<int> running{concurrency};
  for (int i = 0; i < concurrency; ++i) {
    publishers.push_back(std::make_unique<Publisher>(config, options, pacer, stats));
    threads.emplace_back([publisher = publishers.back().get(), &running] {
      publisher->run();
      --running;
    });
  }

  const bool tty = isatty(STDERR_FILENO);
  const auto start = Clock::now();
  auto last = start;
  std::int64_t last_sent = 0;
  auto progress = [&](bool final) {
    const auto now = Clock::now();
    const double window = std::chrono::duration<double>(now - last).count();
    const double total = std::chrono::duration<double>(now - start).count();
    const std::int64_t sent = stats.sent.load();
    const double rate = final ? (total > 0 ? static_cast<double>(sent) / total : 0.0)
                              : (window > 0 ? static_cast<double>(sent - last_sent) / window : 0.0);
    char line[200];
    std::snprintf(line, sizeof line, "producer: sent %lld, errors %lld, republished %lld, rate %.1f/s%s",
                  static_cast<long long>(sent), static_cast<long long>(stats.errors.load()),
                  static_cast<long long>(stats.republished.load()), rate, final ? " (average)" : "");
    std::lock_guard lock(g_log_mutex);
    std::cerr << (tty && !final ? "\r" : "") << line << (tty && !final ? "   " : "\n") << std::flush;
    last = now;
    last_sent = sent;
  };
  while (running.load() > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (!options.quiet && Clock::now() - last >= std::chrono::seconds(tty ? 1 : 5)) progress(false);
  }
  for (auto& thread : threads) thread.join();
  if (tty) std::cerr << "\n";
  progress(true);
  if (options.count > 0 && stats.sent.load() < options.count && !g_stop) return 1;
  return 0;
}

}  // namespace
}  // namespace fanout::apps

int main(int argc, char** argv) {
  fanout::apps::Options options;
  CLI::App app{"Publishes random consumer.created e-commerce events to an SNS topic"};
  auto* env = app.add_option("--env", options.env_path, "the .env file (ACCESS_KEY, SECRET_KEY, ARN, ...)");
  app.add_option("--topic-arn", options.topic_arn, "overrides ARN");
  app.add_option("--rate", options.rate, "events per second (default 0.2: one every 5 s)")
      ->check(CLI::Range(0.001, 1e6));
  app.add_option("--count", options.count, "stop after this many events (default: until SIGINT/SIGTERM)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--concurrency", options.concurrency, "requests in flight (default: from the rate)")
      ->check(CLI::Range(0, 256));
  app.add_flag("--quiet", options.quiet, "only the final line");
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
    std::cerr << "producer: " << e.what() << std::endl;
    return 2;
  }
}
