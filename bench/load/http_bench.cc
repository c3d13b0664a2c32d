// http_bench: requests/s and p50/p99 latency of several HTTP targets, side by side in one run,
// at several keep-alive connection counts, each as a ratio to a baseline target (nginx, the
// ceiling). Every point is a warm-up followed by a measured window; targets are interleaved per
// connection count so that all of them see the same machine conditions.
//
//   http_bench --credential AKID:SECRET --connections 1,16,64 --threads 1
//     --target 'nginx=GET http://127.0.0.1:8080/'
//     --target 'fanoutd-signed=POST http://127.0.0.1:4566/ sigv4=sqs/us-east-1
//               form=Action=NoSuchAction&Version=2012-11-05 expect=400 contains=InvalidAction'
// (scripts/bench runs it against an nginx and a fanoutd it starts itself.)
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <exception>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "load/http_load.h"
#include "load/process_cpu.h"
#include "load/target_spec.h"

namespace {

using namespace fanout;
using namespace fanout::bench;

std::vector<std::size_t> parse_counts(const std::string& text) {
  std::vector<std::size_t> counts;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto comma = text.find(',', start);
    const std::string item =
        text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    std::size_t used = 0;
    const unsigned long value = std::stoul(item, &used);
    if (used != item.size() || value == 0) throw std::invalid_argument("bad connection count '" + item + "'");
    counts.push_back(value);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return counts;
}

std::int64_t now_seconds() { return static_cast<std::int64_t>(std::time(nullptr)); }

// What one measured window cost in CPU: the server's processes (when their pids are known)
// and this client.
struct CpuCost {
  double server_seconds = -1;  // negative: not measured
  double client_seconds = -1;
};

struct Round {
  LoadResult load;
  CpuCost cpu;
};

struct Point {
  std::string target;
  std::size_t connections = 0;
  Round result;               // the median round
  std::vector<Round> rounds;  // every round, in run order
};

double cpu_of(const std::vector<int>& pids) {
  if (pids.empty()) return -1;
  double total = 0;
  for (const int pid : pids) {
    const double seconds = process_cpu_seconds(pid);
    if (seconds < 0) return -1;
    total += seconds;
  }
  return total;
}

// "12.3" or "-" when not measured.
std::string per_request_us(double cpu_seconds, std::uint64_t requests) {
  if (cpu_seconds < 0 || requests == 0) return "-";
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", cpu_seconds * 1e6 / static_cast<double>(requests));
  return text;
}

std::string percent_of(double cpu_seconds, double window_seconds) {
  if (cpu_seconds < 0 || window_seconds <= 0) return "-";
  char text[32];
  std::snprintf(text, sizeof text, "%.0f%%", 100 * cpu_seconds / window_seconds);
  return text;
}

std::string statuses_text(const LoadResult& result) {
  std::string text;
  for (const auto& [status, count] : result.statuses) {
    text += (text.empty() ? "" : " ") + std::to_string(status) + "x" + std::to_string(count);
  }
  return text;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"http_bench: keep-alive HTTP load, several targets side by side, ratio to a baseline"};
  std::vector<std::string> target_texts;
  std::string connections_text = "1,16,64";
  std::size_t threads = 1;
  double duration = 5.0;
  double warmup = 1.0;
  double pause = 0.5;
  std::size_t rounds = 1;
  std::string baseline;
  std::string credential_text;
  double target_ratio = 0.5;
  app.add_option("--target", target_texts,
                 "NAME=METHOD URL [expect=CODES] [sigv4=SERVICE/REGION] [form=BODY|body=BODY] "
                 "[header=Name:Value]... [contains=TEXT] (repeatable, quote it)")
      ->required();
  app.add_option("--connections", connections_text, "comma-separated keep-alive connection counts")
      ->capture_default_str();
  app.add_option("--threads", threads, "client threads (connections are dealt round-robin)")
      ->capture_default_str();
  app.add_option("--duration", duration, "measured seconds per point")->capture_default_str();
  app.add_option("--warmup", warmup, "warm-up seconds per point (not measured)")->capture_default_str();
  app.add_option("--rounds", rounds, "passes over all points; each point reports its median round")
      ->capture_default_str();
  app.add_option("--pause", pause, "idle seconds between points")->capture_default_str();
  app.add_option("--baseline", baseline, "the target the ratio column compares with (default: the first)");
  app.add_option("--credential", credential_text, "ACCESS_KEY_ID:SECRET for sigv4 targets");
  app.add_option("--target-ratio", target_ratio, "goal for every other target, as a fraction of the baseline")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  try {
    std::vector<TargetSpec> targets;
    targets.reserve(target_texts.size());
    for (const auto& text : target_texts) targets.push_back(parse_target_spec(text));
    if (baseline.empty()) baseline = targets.front().name;
    bool baseline_found = false;
    for (const auto& t : targets) baseline_found = baseline_found || t.name == baseline;
    if (!baseline_found) throw std::invalid_argument("baseline '" + baseline + "' is not a target");
    const auto counts = parse_counts(connections_text);
    if (threads == 0 || rounds == 0 || duration <= 0 || warmup < 0) {
      throw std::invalid_argument("bad --threads/--rounds/--duration/--warmup");
    }

    std::optional<auth::Credentials> credentials;
    if (!credential_text.empty()) {
      const auto colon = credential_text.find(':');
      if (colon == std::string::npos) throw std::invalid_argument("--credential wants ACCESS_KEY_ID:SECRET");
      credentials =
          auth::Credentials{credential_text.substr(0, colon), credential_text.substr(colon + 1), ""};
      // Drop an optional trailing :ACCOUNT_ID (the server's --credential syntax).
      auto& secret = credentials->secret_access_key;
      if (const auto c = secret.find(':'); c != std::string::npos) secret.resize(c);
    }
    const auth::Credentials* creds = credentials ? &*credentials : nullptr;

    // Each target must answer what it is expected to before it is loaded: a benchmark of an
    // error path that measures the wrong error (a signature mismatch, say) measures nothing.
    for (const auto& target : targets) {
      const auto answer = probe(target.endpoint, build_request(target, creds, now_seconds()));
      const bool status_ok = answer.status != 0 && parse_expected(target.expect)(answer.status);
      const bool body_ok = target.contains.empty() || answer.body.find(target.contains) != std::string::npos;
      if (!status_ok || !body_ok) {
        std::fprintf(stderr, "http_bench: target %s answered %s (expected %s%s%s): %.400s\n",
                     target.name.c_str(),
                     answer.status ? std::to_string(answer.status).c_str() : answer.error.c_str(),
                     target.expect.c_str(), target.contains.empty() ? "" : " containing ",
                     target.contains.c_str(), answer.body.c_str());
        return 1;
      }
      std::fprintf(stderr, "probe %-16s -> %d (%zu body bytes)\n", target.name.c_str(), answer.status,
                   answer.body.size());
    }

    // rounds[point] holds one result per round; a round is one pass over every point.
    std::vector<Point> points;
    for (const auto connections : counts) {
      for (const auto& target : targets) points.push_back({target.name, connections, {}, {}});
    }
    for (std::size_t round = 1; round <= rounds; ++round) {
      std::size_t index = 0;
      for (const auto connections : counts) {
        for (const auto& target : targets) {
          LoadOptions options;
          options.endpoint = target.endpoint;
          options.connections = connections;
          options.threads = threads;
          options.warmup =
              std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(warmup));
          options.duration =
              std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(duration));
          // Signed at the start of each point: a fresh X-Amz-Date, well inside the 15-minute window.
          options.generator = fixed_request(build_request(target, creds, now_seconds()));
          options.expected = parse_expected(target.expect);
          CpuCost start, cost;
          options.at_window_start = [&] {
            start.server_seconds = cpu_of(target.pids);
            start.client_seconds = process_cpu_seconds(getpid());
          };
          options.at_window_end = [&] {
            const double server = cpu_of(target.pids), client = process_cpu_seconds(getpid());
            if (server >= 0 && start.server_seconds >= 0) cost.server_seconds = server - start.server_seconds;
            if (client >= 0 && start.client_seconds >= 0) cost.client_seconds = client - start.client_seconds;
          };
          auto result = run_load(options);
          std::fprintf(
              stderr,
              "round %zu %-16s c=%-3zu %10.0f req/s  p50 %.3f ms  p99 %.3f ms  server %s us/req  errors %llu"
              "  statuses %s%s%s\n",
              round, target.name.c_str(), connections, result.requests_per_second(), result.quantile_ms(0.50),
              result.quantile_ms(0.99), per_request_us(cost.server_seconds, result.requests).c_str(),
              static_cast<unsigned long long>(result.errors), statuses_text(result).c_str(),
              result.first_error.empty() ? "" : "  first error: ", result.first_error.c_str());
          points[index++].rounds.push_back({std::move(result), cost});
          if (pause > 0) std::this_thread::sleep_for(std::chrono::duration<double>(pause));
        }
      }
    }
    // Each point reports its median round (by req/s): robust to a burst of load from elsewhere.
    for (auto& p : points) {
      std::vector<std::size_t> order(p.rounds.size());
      for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
      std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return p.rounds[a].load.requests_per_second() < p.rounds[b].load.requests_per_second();
      });
      p.result = p.rounds[order[(order.size() - 1) / 2]];
    }

    std::map<std::size_t, double> baseline_rps;
    for (const auto& p : points) {
      if (p.target == baseline) baseline_rps[p.connections] = p.result.load.requests_per_second();
    }
    std::printf(
        "\nclient: %zu thread(s); %.1f s warm-up + %.1f s measured per point; keep-alive connections;"
        " %zu round(s)%s\n\n",
        threads, warmup, duration, rounds,
        rounds > 1 ? ", median round shown, req/s range of all rounds" : "");
    std::printf(
        "| target | connections | req/s | p50 ms | p99 ms | ratio to %s | errors | unexpected status | "
        "server CPU "
        "us/req | server CPU | client CPU |%s\n",
        baseline.c_str(), rounds > 1 ? " req/s range |" : "");
    std::printf("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|%s\n", rounds > 1 ? "---:|" : "");
    std::map<std::string, double> worst_ratio;
    for (const auto& p : points) {
      const double base = baseline_rps[p.connections];
      const LoadResult& r = p.result.load;
      const double ratio = base > 0 ? r.requests_per_second() / base : 0;
      if (p.target != baseline) {
        auto [it, inserted] = worst_ratio.emplace(p.target, ratio);
        if (!inserted && ratio < it->second) it->second = ratio;
      }
      std::printf("| %s | %zu | %.0f | %.3f | %.3f | %.0f%% | %llu | %llu | %s | %s | %s |", p.target.c_str(),
                  p.connections, r.requests_per_second(), r.quantile_ms(0.50), r.quantile_ms(0.99),
                  100 * ratio, static_cast<unsigned long long>(r.errors),
                  static_cast<unsigned long long>(r.unexpected),
                  per_request_us(p.result.cpu.server_seconds, r.requests).c_str(),
                  percent_of(p.result.cpu.server_seconds, r.seconds).c_str(),
                  percent_of(p.result.cpu.client_seconds, r.seconds).c_str());
      if (rounds > 1) {
        double low = p.rounds.front().load.requests_per_second(), high = low;
        for (const auto& round_result : p.rounds) {
          low = std::min(low, round_result.load.requests_per_second());
          high = std::max(high, round_result.load.requests_per_second());
        }
        std::printf(" %.0f-%.0f |", low, high);
      }
      std::printf("\n");
    }
    std::printf("\n");
    for (const auto& target : targets) {
      if (target.name == baseline) continue;
      const double worst = worst_ratio[target.name];
      std::printf("%s: lowest ratio to %s %.0f%% (goal >= %.0f%%): %s\n", target.name.c_str(),
                  baseline.c_str(), 100 * worst, 100 * target_ratio,
                  worst >= target_ratio ? "met" : "NOT met");
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "http_bench: %s\n", e.what());
    return 2;
  }
}
