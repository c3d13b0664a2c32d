// sns_bench: issue 4's SNS benchmark against a running fanoutd. A topic with two SQS
// subscriptions, as in the reference system (one raw, one in the signed notification envelope;
// --both-raw / --both-enveloped change that), all durable:
//  1. Publish (query protocol, SigV4) at 1, 16, 64 keep-alive connections, closed loop, beside
//     nginx's fixed 200 (the ceiling) when --ceiling is given; then a check that every
//     answered Publish reached both queues.
//  2. Publish → receivable latency at half of the best publish rate: publishes paced (open loop)
//     at that rate, each carrying its send time; consumers long-poll both queues
//     (ReceiveMessage 10 + DeleteMessageBatch) and record, per message, receipt time - send time.
//
//   sns_bench --endpoint 127.0.0.1:4566 --credential AKID:SECRET:ACCOUNT --connections 1,16,64
//     --ceiling http://127.0.0.1:8080/ --server-pids 42
// (scripts/bench-sns starts nginx and fanoutd and runs it.)
#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <exception>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "load/http_load.h"
#include "load/process_cpu.h"
#include "sqs/sqs_requests.h"

namespace {

using namespace fanout;
using namespace fanout::bench;
using SteadyClock = std::chrono::steady_clock;

constexpr std::string_view kStampMarker = "pub@";

std::int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(SteadyClock::now().time_since_epoch()).count();
}

std::chrono::nanoseconds seconds_ns(double s) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(s));
}

std::string xml_element(std::string_view xml, std::string_view name) {
  const std::string open = "<" + std::string(name) + ">", close = "</" + std::string(name) + ">";
  const auto start = xml.find(open);
  const auto end = xml.find(close);
  if (start == std::string_view::npos || end == std::string_view::npos)
    throw std::runtime_error("no <" + std::string(name) + "> in " + std::string(xml.substr(0, 300)));
  return std::string(xml.substr(start + open.size(), end - start - open.size()));
}

struct Topology {
  std::string topic_arn;
  std::vector<std::string> queue_urls;
  std::vector<bool> raw;
};

Topology create_topology(const AwsTarget& target, const std::string& prefix, const std::string& account,
                         const std::vector<bool>& raw) {
  Topology t;
  t.topic_arn = xml_element(
      call_ok(target, sns_request(target, "CreateTopic", "Name=" + prefix + "-topic"), "CreateTopic"),
      "TopicArn");
  for (std::size_t i = 0; i < raw.size(); ++i) {
    const std::string name = prefix + (raw[i] ? "-raw-" : "-env-") + std::to_string(i);
    t.queue_urls.push_back(create_queue(target, name));
    t.raw.push_back(raw[i]);
    std::string arn = "arn:aws:sqs:" + target.region;
    arn += ":" + account;
    arn += ":" + name;
    std::string form = "TopicArn=" + form_encode(t.topic_arn) + "&Protocol=sqs&Endpoint=" + form_encode(arn) +
                       "&ReturnSubscriptionArn=true";
    if (raw[i]) form += "&Attributes.entry.1.key=RawMessageDelivery&Attributes.entry.1.value=true";
    call_ok(target, sns_request(target, "Subscribe", form), "Subscribe");
  }
  return t;
}

std::string publish_form(const std::string& topic_arn, const std::string& message) {
  return "TopicArn=" + form_encode(topic_arn) + "&Message=" + form_encode(message);
}

std::string padded(std::string text, std::size_t bytes) {
  while (text.size() < bytes) text += static_cast<char>('a' + text.size() % 26);
  return text;
}

double cpu_of(const std::vector<int>& pids) {
  double total = 0;
  for (const int pid : pids) {
    const double s = process_cpu_seconds(pid);
    if (s < 0) return -1;
    total += s;
  }
  return pids.empty() ? -1 : total;
}

struct Point {
  LoadResult load;
  double server_cpu = -1;
};

Point run(LoadOptions options, const std::vector<int>& pids) {
  double start = -1, end = -1;
  options.at_window_start = [&, inner = options.at_window_start] {
    start = cpu_of(pids);
    if (inner) inner();
  };
  options.at_window_end = [&, inner = options.at_window_end] {
    end = cpu_of(pids);
    if (inner) inner();
  };
  Point p;
  p.load = run_load(options);
  if (start >= 0 && end >= 0) p.server_cpu = end - start;
  return p;
}

std::string cpu_per(double cpu, double count) {
  if (cpu < 0 || count <= 0) return "-";
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", cpu * 1e6 / count);
  return text;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "sns_bench: Publish to a topic with two SQS subscribers: publishes/s and publish→receivable latency"};
  std::string endpoint = "127.0.0.1:4566", credential = "test:test:000000000000", counts_text = "1,16,64";
  std::string ceiling_url, ceiling_pids_text, server_pids_text;
  double duration = 5, warmup = 1, latency_rate = 0;
  std::size_t threads = 1, body_bytes = 200, latency_connections = 16, consumers = 4;
  bool both_raw = false, both_enveloped = false, skip_throughput = false;
  app.add_option("--endpoint", endpoint)->capture_default_str();
  app.add_option("--credential", credential, "AKID:SECRET:ACCOUNT")->capture_default_str();
  app.add_option("--connections", counts_text)->capture_default_str();
  app.add_option("--duration", duration)->capture_default_str();
  app.add_option("--warmup", warmup)->capture_default_str();
  app.add_option("--threads", threads, "publisher client threads")->capture_default_str();
  app.add_option("--body-bytes", body_bytes)->capture_default_str();
  app.add_option("--ceiling", ceiling_url, "http://host:port/ of an nginx returning a fixed 200");
  app.add_option("--ceiling-pids", ceiling_pids_text);
  app.add_option("--server-pids", server_pids_text, "fanoutd's pid");
  app.add_option("--latency-rate", latency_rate, "publishes/s for the latency run (default: half the best)");
  app.add_option("--latency-connections", latency_connections)->capture_default_str();
  app.add_option("--consumers", consumers, "long-polling connections per queue")->capture_default_str();
  app.add_flag("--both-raw", both_raw, "both subscriptions with RawMessageDelivery");
  app.add_flag("--both-enveloped", both_enveloped, "both subscriptions with the signed envelope");
  app.add_flag("--skip-throughput", skip_throughput, "only the latency run (needs --latency-rate)");
  CLI11_PARSE(app, argc, argv);

  try {
    AwsTarget target;
    target.endpoint = parse_endpoint(endpoint);
    target.credentials = parse_credential(credential);
    const auto last_colon = credential.rfind(':');
    const std::string account = std::count(credential.begin(), credential.end(), ':') >= 2
                                    ? credential.substr(last_colon + 1)
                                    : "000000000000";
    auto pids_of = [](const std::string& text) {
      std::vector<int> pids;
      std::size_t start = 0;
      while (!text.empty() && start <= text.size()) {
        const auto comma = text.find(',', start);
        pids.push_back(std::stoi(text.substr(start, comma - start)));
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
      return pids;
    };
    const auto server_pids = pids_of(server_pids_text), ceiling_pids = pids_of(ceiling_pids_text);
    const std::vector<bool> raw = both_raw         ? std::vector<bool>{true, true}
                                  : both_enveloped ? std::vector<bool>{false, false}
                                                   : std::vector<bool>{true, false};
    const char* shape = both_raw         ? "both raw"
                        : both_enveloped ? "both enveloped (signed)"
                                         : "one raw, one enveloped (signed)";

    double best = 0;
    if (!skip_throughput) {
      const auto topo = create_topology(target, "bench-sns", account, raw);
      std::printf(
          "Publish (query protocol, SigV4, %zu-byte messages) to %s, two SQS subscriptions (%s), %zu client "
          "thread(s), %.0f s warm-up + %.0f s per point\n\n",
          body_bytes, topo.topic_arn.c_str(), shape, threads, warmup, duration);
      std::printf(
          "| target | connections | req/s | deliveries/s | p50 ms | p99 ms | vs nginx | server CPU "
          "us/publish | "
          "errors / non-200 |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
      const std::string message = padded("bench message ", body_bytes);
      std::uint64_t answered = 0;
      std::size_t start = 0;
      while (start <= counts_text.size()) {
        const auto comma = counts_text.find(',', start);
        const std::size_t connections = std::stoul(counts_text.substr(start, comma - start));
        LoadOptions base;
        base.connections = connections;
        base.threads = threads;
        base.warmup = seconds_ns(warmup);
        base.duration = seconds_ns(duration);
        double ceiling_rps = 0;
        if (!ceiling_url.empty()) {
          const auto spec = parse_target_spec("nginx=GET " + ceiling_url);
          LoadOptions options = base;
          options.endpoint = spec.endpoint;
          options.generator = fixed_request(build_request(spec, nullptr, 0));
          const auto p = run(options, ceiling_pids);
          ceiling_rps = p.load.requests_per_second();
          std::printf("| nginx GET (ceiling) | %zu | %.0f | - | %.3f | %.3f | 100%% | %s | %llu / %llu |\n",
                      connections, ceiling_rps, p.load.quantile_ms(0.5), p.load.quantile_ms(0.99),
                      cpu_per(p.server_cpu, static_cast<double>(p.load.requests)).c_str(),
                      static_cast<unsigned long long>(p.load.errors),
                      static_cast<unsigned long long>(p.load.unexpected));
        }
        LoadOptions options = base;
        options.endpoint = target.endpoint;
        options.generator =
            fixed_request(sns_request(target, "Publish", publish_form(topo.topic_arn, message)));
        options.observer = [&](const RequestContext&, int status, std::string_view) {
          answered += status == 200;
        };
        const auto p = run(options, server_pids);
        const double rps = static_cast<double>(p.load.expected) / p.load.seconds;
        best = std::max(best, rps);
        std::printf(
            "| Publish | %zu | %.0f | %.0f | %.3f | %.3f | %s | %s | %llu / %llu |\n", connections, rps,
            2 * rps, p.load.quantile_ms(0.5), p.load.quantile_ms(0.99),
            ceiling_rps > 0 ? (std::to_string(std::lround(100 * rps / ceiling_rps)) + "%").c_str() : "-",
            cpu_per(p.server_cpu, static_cast<double>(p.load.expected)).c_str(),
            static_cast<unsigned long long>(p.load.errors),
            static_cast<unsigned long long>(p.load.unexpected));
        if (!p.load.first_error.empty()) std::printf("  (first error: %s)\n", p.load.first_error.c_str());
        std::fflush(stdout);
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
      // Publishes still in flight when the last point stopped land meanwhile.
      std::this_thread::sleep_for(std::chrono::seconds(2));
      std::printf(
          "\nDelivery check: %llu Publish calls answered 200 (warm-ups included; calls cut off at the end of "
          "each point were answered too late to count); queues hold",
          static_cast<unsigned long long>(answered));
      for (const auto& url : topo.queue_urls)
        std::printf(" %llu", static_cast<unsigned long long>(visible_messages(target, url)));
      std::printf("\n");
    }

    // --- latency at half of peak ---
    const double rate = latency_rate > 0 ? latency_rate : best / 2;
    if (rate <= 0) throw std::invalid_argument("no rate for the latency run");
    const auto topo = create_topology(target, "bench-lat", account, raw);
    std::atomic<std::int64_t> window_from{std::numeric_limits<std::int64_t>::max()},
        window_to{std::numeric_limits<std::int64_t>::max()};
    std::vector<std::unique_ptr<ReceiveDeleteWorkload>> work;
    std::vector<LatencyHistogram> latency(topo.queue_urls.size());
    std::vector<std::uint64_t> in_window(topo.queue_urls.size(), 0);
    for (std::size_t q = 0; q < topo.queue_urls.size(); ++q) {
      work.push_back(std::make_unique<ReceiveDeleteWorkload>(target, topo.queue_urls[q], 1, consumers));
      work.back()->on_body = [&, q](std::string_view body) {
        const auto at = body.find(kStampMarker);
        if (at == std::string_view::npos) return;
        const std::int64_t sent = std::strtoll(body.data() + at + kStampMarker.size(), nullptr, 10);
        if (sent < window_from.load() || sent >= window_to.load()) return;
        latency[q].record(static_cast<std::uint64_t>(steady_ns() - sent));
        ++in_window[q];
      };
    }
    LoadOptions consume;
    consume.endpoint = target.endpoint;
    consume.connections = consumers * work.size();
    consume.warmup = std::chrono::nanoseconds::zero();
    consume.duration = seconds_ns(warmup + duration + 3);  // the publisher's run and 3 s to drain
    std::vector<RequestGenerator> gens;
    std::vector<ResponseObserver> obs;
    for (auto& w : work) {
      gens.push_back(w->generator());
      obs.push_back(w->observer());
    }
    const std::size_t queues = work.size();
    consume.generator = [&](const RequestContext& c, std::string& out) {
      RequestContext inner = c;
      inner.connection = c.connection / queues;
      gens[c.connection % queues](inner, out);
    };
    consume.observer = [&](const RequestContext& c, int status, std::string_view body) {
      RequestContext inner = c;
      inner.connection = c.connection / queues;
      obs[c.connection % queues](inner, status, body);
    };
    std::thread consumer_thread([&] { run_load(consume); });
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // consumers parked first

    LoadOptions publish;
    publish.endpoint = target.endpoint;
    publish.connections = latency_connections;
    publish.threads = threads;
    publish.warmup = seconds_ns(warmup);
    publish.duration = seconds_ns(duration);
    publish.rate = rate;
    const std::string filler = padded("", body_bytes > 40 ? body_bytes - 40 : 0);
    publish.generator = [&](const RequestContext&, std::string& out) {
      out = sns_request(target, "Publish",
                        publish_form(topo.topic_arn,
                                     std::string(kStampMarker) + std::to_string(steady_ns()) + " " + filler));
    };
    std::uint64_t published = 0;
    publish.observer = [&](const RequestContext&, int status, std::string_view) {
      const auto now = steady_ns();
      if (status == 200 && now >= window_from.load() && now < window_to.load()) ++published;
    };
    publish.at_window_start = [&] { window_from = steady_ns(); };
    publish.at_window_end = [&] { window_to = steady_ns(); };
    const auto p = run(publish, server_pids);
    consumer_thread.join();

    std::printf(
        "\nPublish → receivable at %.0f publishes/s (paced, %zu publishing connections; %zu long-polling "
        "consumers per queue, ReceiveMessage 10 + DeleteMessageBatch; latency = consumer's receipt - "
        "publisher's send, so it includes the Publish call and the receive round trip):\n\n",
        rate, latency_connections, consumers);
    std::printf("| what | count | p50 ms | p99 ms | max ms |\n|---|---:|---:|---:|---:|\n");
    std::printf("| Publish call | %llu (%.0f/s) | %.3f | %.3f | %.3f |\n",
                static_cast<unsigned long long>(p.load.expected),
                static_cast<double>(p.load.expected) / p.load.seconds, p.load.quantile_ms(0.5),
                p.load.quantile_ms(0.99), static_cast<double>(p.load.latency.max()) / 1e6);
    LatencyHistogram all;
    for (std::size_t q = 0; q < queues; ++q) {
      all.merge(latency[q]);
      std::printf(
          "| publish → received, %s queue | %llu | %.3f | %.3f | %.3f |\n", topo.raw[q] ? "raw" : "enveloped",
          static_cast<unsigned long long>(in_window[q]), static_cast<double>(latency[q].quantile(0.5)) / 1e6,
          static_cast<double>(latency[q].quantile(0.99)) / 1e6, static_cast<double>(latency[q].max()) / 1e6);
    }
    std::printf("| publish → received, both | %llu | %.3f | %.3f | %.3f |\n",
                static_cast<unsigned long long>(all.count()), static_cast<double>(all.quantile(0.5)) / 1e6,
                static_cast<double>(all.quantile(0.99)) / 1e6, static_cast<double>(all.max()) / 1e6);
    std::printf("\n(server CPU per publish at this rate: %s us; %llu Publish calls sent in the window)\n",
                cpu_per(p.server_cpu, static_cast<double>(p.load.expected)).c_str(),
                static_cast<unsigned long long>(published));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sns_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
