// sqs_bench: issue 3's SQS benchmark against a running fanoutd (JSON 1.0 protocol, SigV4-signed,
// keep-alive connections, one client thread by default).
//
//   sqs_bench throughput --endpoint 127.0.0.1:4566 --credential AKID:SECRET --connections 1,16,64
//       --ceiling http://127.0.0.1:8080/ --ceiling-pids 12,13 --server-pid 42
//     SendMessage, SendMessageBatch (10) and ReceiveMessage (10) + DeleteMessageBatch at each
//     connection count, beside nginx's fixed 200 (the ceiling) in the same run; then each
//     workload again, paced at half of its best rate, for p50/p99 at half of peak.
//   sqs_bench fill --count 1000000 --body-bytes 200 --queue bench-fill
//     queues COUNT messages with SendMessageBatch (for the RSS and restart measurements).
//   sqs_bench wait-receive --queue bench-fill --timeout 60
//     retries ReceiveMessage until one answers with a message; prints how long that took.
// (scripts/bench-sqs starts nginx and fanoutd and runs all three.)
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <exception>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "load/http_load.h"
#include "load/process_cpu.h"
#include "sqs/server_latency.h"
#include "sqs/sqs_requests.h"

namespace {

using namespace fanout;
using namespace fanout::bench;
using SteadyClock = std::chrono::steady_clock;

std::vector<std::size_t> parse_counts(const std::string& text) {
  std::vector<std::size_t> counts;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto comma = text.find(',', start);
    counts.push_back(
        std::stoul(text.substr(start, comma == std::string::npos ? std::string::npos : comma - start)));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return counts;
}

std::vector<int> parse_pids(const std::string& text) {
  std::vector<int> pids;
  if (text.empty()) return pids;
  for (const auto n : parse_counts(text)) pids.push_back(static_cast<int>(n));
  return pids;
}

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

std::chrono::nanoseconds seconds_ns(double s) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(s));
}

// A body of exactly `bytes` printable characters; `tag` makes it differ per message.
std::string message_body(std::size_t bytes, std::size_t tag) {
  std::string body = "bench-" + std::to_string(tag) + "-";
  while (body.size() < bytes) body += static_cast<char>('a' + (body.size() * 7 + tag) % 26);
  body.resize(bytes);
  return body;
}

std::string send_body(const std::string& queue_url, std::size_t bytes) {
  return "{\"QueueUrl\":" + json_string(queue_url) +
         ",\"MessageBody\":" + json_string(message_body(bytes, 0)) + "}";
}

std::string send_batch_body(const std::string& queue_url, std::size_t bytes, std::size_t entries) {
  std::string body = "{\"QueueUrl\":" + json_string(queue_url) + ",\"Entries\":[";
  for (std::size_t i = 0; i < entries; ++i) {
    if (i) body += ',';
    body +=
        "{\"Id\":\"e" + std::to_string(i) + "\",\"MessageBody\":" + json_string(message_body(bytes, i)) + "}";
  }
  return body + "]}";
}

struct Measured {
  std::string workload;
  std::size_t connections = 0;
  double rate = 0;  // paced runs: the offered requests/s
  LoadResult load;
  double messages = 0;  // messages moved in the window (sent, or received and deleted)
  double server_cpu = -1;
  std::string note;

  double requests_per_second() const { return load.requests_per_second(); }
  double messages_per_second() const { return messages / load.seconds; }
};

struct Settings {
  AwsTarget target;
  std::size_t threads = 1;
  double duration = 5;
  double warmup = 1;
  std::size_t body_bytes = 200;
  std::vector<int> server_pids;
};

// Runs one point and samples the server's CPU over exactly its window.
Measured run_point(const Settings& s, LoadOptions options, const std::vector<int>& pids, std::string workload,
                   const std::function<double(const LoadResult&)>& messages) {
  Measured m;
  m.workload = std::move(workload);
  m.connections = options.connections;
  m.rate = options.rate;
  options.threads = s.threads;
  options.warmup = seconds_ns(s.warmup);
  options.duration = seconds_ns(s.duration);
  double cpu_start = -1, cpu_end = -1;
  auto window_start = options.at_window_start;
  auto window_end = options.at_window_end;
  options.at_window_start = [&] {
    cpu_start = cpu_of(pids);
    if (window_start) window_start();
  };
  options.at_window_end = [&] {
    cpu_end = cpu_of(pids);
    if (window_end) window_end();
  };
  m.load = run_load(options);
  m.messages = messages(m.load);
  if (cpu_start >= 0 && cpu_end >= 0) m.server_cpu = cpu_end - cpu_start;
  return m;
}

void print_header() {
  std::printf(
      "| workload | connections | offered req/s | req/s | msgs/s | p50 ms | p99 ms | req/s vs nginx | server "
      "CPU "
      "us/msg | errors / non-200 | note |\n");
  std::printf("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
}

void print_row(const Measured& m, double ceiling_rps) {
  char cpu[32] = "-";
  if (m.server_cpu >= 0 && m.messages > 0)
    std::snprintf(cpu, sizeof cpu, "%.1f", m.server_cpu * 1e6 / m.messages);
  char ratio[32] = "-";
  if (ceiling_rps > 0)
    std::snprintf(ratio, sizeof ratio, "%.0f%%", 100 * m.requests_per_second() / ceiling_rps);
  char offered[32] = "closed loop";
  if (m.rate > 0) std::snprintf(offered, sizeof offered, "%.0f", m.rate);
  std::string note = m.note;
  if (!m.load.first_error.empty())
    note += (note.empty() ? "" : "; ") + ("first error: " + m.load.first_error);
  std::printf("| %s | %zu | %s | %.0f | %.0f | %.3f | %.3f | %s | %s | %llu / %llu | %s |\n",
              m.workload.c_str(), m.connections, offered, m.requests_per_second(), m.messages_per_second(),
              m.load.quantile_ms(0.5), m.load.quantile_ms(0.99), ratio, cpu,
              static_cast<unsigned long long>(m.load.errors),
              static_cast<unsigned long long>(m.load.unexpected), note.c_str());
  std::fflush(stdout);
}

// Sends exactly `count` messages in batches of 10 over `connections` connections; throws if any
// batch or entry failed.
std::uint64_t fill_queue(const Settings& s, const std::string& queue_url, std::uint64_t count,
                         std::size_t connections) {
  const std::uint64_t requests = (count + 9) / 10;
  LoadOptions options;
  options.endpoint = s.target.endpoint;
  options.connections = connections;
  options.threads = s.threads;
  options.warmup = std::chrono::nanoseconds::zero();
  options.duration = std::chrono::hours(1);
  options.max_requests = requests;
  const std::string last_partial = count % 10 ? send_batch_body(queue_url, s.body_bytes, count % 10) : "";
  const std::string full =
      sqs_request(s.target, "SendMessageBatch", send_batch_body(queue_url, s.body_bytes, 10));
  const std::string partial =
      last_partial.empty() ? full : sqs_request(s.target, "SendMessageBatch", last_partial);
  std::uint64_t generated = 0;
  options.generator = [&](const RequestContext&, std::string& out) {
    out.assign(++generated == requests ? partial : full);
  };
  std::uint64_t failed = 0;
  options.observer = [&](const RequestContext&, int status, std::string_view body) {
    if (status != 200 || body.find("\"Failed\":[{") != std::string_view::npos) ++failed;
  };
  const auto result = run_load(options);
  if (failed != 0 || result.errors != 0)
    throw std::runtime_error("fill: " + std::to_string(failed) + " failed batches, " +
                             std::to_string(result.errors) + " errors (" + result.first_error + ")");
  return count;
}

int throughput(const Settings& s, const std::string& counts_text, const std::string& ceiling_url,
               const std::vector<int>& ceiling_pids, const std::string& queue_name, bool half_peak) {
  const auto counts = parse_counts(counts_text);
  const std::string queue_url = create_queue(s.target, queue_name);
  TargetSpec ceiling;
  const bool with_ceiling = !ceiling_url.empty();
  if (with_ceiling) ceiling = parse_target_spec("nginx=GET " + ceiling_url);

  std::printf(
      "SQS, JSON 1.0 protocol, SigV4, %zu-byte bodies, queue %s, %zu client thread(s), %.0f s warm-up + %.0f "
      "s "
      "per point\n\n",
      s.body_bytes, queue_url.c_str(), s.threads, s.warmup, s.duration);
  print_header();
  std::map<std::string, double> best_msgs;     // workload -> best msgs/s
  std::map<std::string, std::size_t> best_at;  // ... at this many connections
  std::map<std::string, double> best_rps;      // ... and its requests/s
  std::map<std::size_t, double> ceiling_at;
  auto remember = [&](const Measured& m) {
    if (m.messages_per_second() > best_msgs[m.workload]) {
      best_msgs[m.workload] = m.messages_per_second();
      best_at[m.workload] = m.connections;
      best_rps[m.workload] = m.requests_per_second();
    }
  };

  const std::string send = send_body(queue_url, s.body_bytes);
  const std::string batch = send_batch_body(queue_url, s.body_bytes, 10);
  for (const auto connections : counts) {
    LoadOptions base;
    base.endpoint = s.target.endpoint;
    base.connections = connections;
    double ceiling_rps = 0;
    if (with_ceiling) {
      LoadOptions options = base;
      options.endpoint = ceiling.endpoint;
      options.generator = fixed_request(build_request(ceiling, nullptr, 0));
      auto m = run_point(s, options, ceiling_pids, "nginx GET (ceiling)",
                         [](const LoadResult& r) { return static_cast<double>(r.expected); });
      ceiling_rps = ceiling_at[connections] = m.requests_per_second();
      print_row(m, ceiling_rps);
    }
    {
      LoadOptions options = base;
      options.generator = fixed_request(sqs_request(s.target, "SendMessage", send));
      auto m = run_point(s, options, s.server_pids, "SendMessage",
                         [](const LoadResult& r) { return static_cast<double>(r.expected); });
      print_row(m, ceiling_rps);
      remember(m);
    }
    {
      LoadOptions options = base;
      options.generator = fixed_request(sqs_request(s.target, "SendMessageBatch", batch));
      std::uint64_t failed_entries = 0;
      options.observer = [&](const RequestContext&, int, std::string_view body) {
        if (body.find("\"Failed\":[{") != std::string_view::npos) ++failed_entries;
      };
      auto m = run_point(s, options, s.server_pids, "SendMessageBatch (10)",
                         [](const LoadResult& r) { return 10.0 * static_cast<double>(r.expected); });
      if (failed_entries) m.note = std::to_string(failed_entries) + " batches with failed entries";
      print_row(m, ceiling_rps);
      remember(m);
    }
    {
      // Enough backlog that the consumers never find the queue empty: twice what the best
      // receive rate so far would take in one point, at least 200,000.
      const double expected = std::max(
          200000.0, 2 * best_msgs["ReceiveMessage (10) + DeleteMessageBatch"] * (s.warmup + s.duration));
      const auto backlog = visible_messages(s.target, queue_url);
      if (static_cast<double>(backlog) < expected)
        fill_queue(s, queue_url, static_cast<std::uint64_t>(expected) - backlog, 16);
      ReceiveDeleteWorkload work(s.target, queue_url, 0, connections);
      LoadOptions options = base;
      options.generator = work.generator();
      options.observer = work.observer();
      options.at_window_start = [&] { work.counting = true; };
      options.at_window_end = [&] { work.counting = false; };
      auto m = run_point(s, options, s.server_pids, "ReceiveMessage (10) + DeleteMessageBatch",
                         [&](const LoadResult&) { return static_cast<double>(work.deleted); });
      m.note = std::to_string(work.received) + " received, " + std::to_string(work.deleted) + " deleted";
      if (work.empty_receives) m.note += ", " + std::to_string(work.empty_receives) + " empty receives";
      if (work.failed_deletes) m.note += ", " + std::to_string(work.failed_deletes) + " failed deletes";
      print_row(m, ceiling_rps);
      remember(m);
    }
  }

  if (half_peak) {
    std::printf(
        "\nAt half of peak (paced, open loop: the offered rate is half of the best msgs/s above, at the "
        "connection count that reached it):\n\n");
    print_header();
    for (const auto& [workload, msgs] : best_msgs) {
      const std::size_t connections = best_at[workload];
      LoadOptions options;
      options.endpoint = s.target.endpoint;
      options.connections = connections;
      options.rate = best_rps[workload] / 2;
      Measured m;
      // fanoutd's histograms around the point: how much of the p99 is the server's.
      const std::vector<std::string> operations =
          workload == "SendMessage" ? std::vector<std::string>{"SendMessage"}
          : workload == "SendMessageBatch (10)"
              ? std::vector<std::string>{"SendMessageBatch"}
              : std::vector<std::string>{"ReceiveMessage", "DeleteMessageBatch"};
      std::vector<ServerHistogram> before;
      before.reserve(operations.size());
      for (const auto& operation : operations)
        before.push_back(scrape_server_histogram(s.target.endpoint, "sqs", operation));
      if (workload == "SendMessage") {
        options.generator = fixed_request(sqs_request(s.target, "SendMessage", send));
        m = run_point(s, options, s.server_pids, workload,
                      [](const LoadResult& r) { return static_cast<double>(r.expected); });
      } else if (workload == "SendMessageBatch (10)") {
        options.generator = fixed_request(sqs_request(s.target, "SendMessageBatch", batch));
        m = run_point(s, options, s.server_pids, workload,
                      [](const LoadResult& r) { return 10.0 * static_cast<double>(r.expected); });
      } else {
        const double need = msgs / 2 * (s.warmup + s.duration) * 1.5;
        const auto backlog = visible_messages(s.target, queue_url);
        if (static_cast<double>(backlog) < need)
          fill_queue(s, queue_url, static_cast<std::uint64_t>(need) - backlog, 16);
        ReceiveDeleteWorkload work(s.target, queue_url, 0, connections);
        options.generator = work.generator();
        options.observer = work.observer();
        options.at_window_start = [&] { work.counting = true; };
        options.at_window_end = [&] { work.counting = false; };
        m = run_point(s, options, s.server_pids, workload,
                      [&](const LoadResult&) { return static_cast<double>(work.deleted); });
        if (work.empty_receives) m.note = std::to_string(work.empty_receives) + " empty receives";
      }
      for (std::size_t i = 0; i < operations.size(); ++i) {
        const auto note = server_p99_note(operations[i], before[i],
                                          scrape_server_histogram(s.target.endpoint, "sqs", operations[i]));
        if (!note.empty()) m.note += (m.note.empty() ? "" : "; ") + note;
      }
      print_row(m, ceiling_at.count(connections) ? ceiling_at[connections] : 0);
    }
  }
  return 0;
}

int wait_receive(const Settings& s, const std::string& queue_name, double timeout) {
  const auto start = SteadyClock::now();
  const auto deadline = start + seconds_ns(timeout);
  std::uint64_t attempts = 0;
  std::string last;
  while (SteadyClock::now() < deadline) {
    ++attempts;
    // The URL is built, not asked for: GetQueueUrl would answer before messages can.
    const std::string url =
        "http://" + s.target.endpoint.host + ":" + std::to_string(s.target.endpoint.port) + "/" + queue_name;
    const auto answer = probe(s.target.endpoint,
                              sqs_request(s.target, "ReceiveMessage",
                                          "{\"QueueUrl\":" + json_string(url) +
                                              ",\"MaxNumberOfMessages\":1,\"VisibilityTimeout\":0}"),
                              std::chrono::seconds(30));
    if (answer.status == 200 && answer.body.find("\"ReceiptHandle\"") != std::string::npos) {
      std::printf("first message received after %.3f s (%llu attempts)\n",
                  std::chrono::duration<double>(SteadyClock::now() - start).count(),
                  static_cast<unsigned long long>(attempts));
      return 0;
    }
    last = answer.status ? std::to_string(answer.status) + " " + answer.body.substr(0, 200) : answer.error;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  std::fprintf(stderr, "wait-receive: no message within %.0f s (last: %s)\n", timeout, last.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"sqs_bench: SQS throughput, latency and backlog benchmarks against fanoutd"};
  app.require_subcommand(1);
  Settings s;
  std::string endpoint = "127.0.0.1:4566", credential = "test:test", server_pids;
  app.add_option("--endpoint", endpoint, "fanoutd host:port")->capture_default_str();
  app.add_option("--credential", credential, "AKID:SECRET[:ACCOUNT]")->capture_default_str();
  app.add_option("--threads", s.threads, "client threads")->capture_default_str();
  app.add_option("--body-bytes", s.body_bytes, "message body size")->capture_default_str();
  app.add_option("--server-pids", server_pids, "fanoutd's pid, for its CPU time per message");

  auto* tp = app.add_subcommand("throughput", "the send / batch send / receive+delete sweep");
  std::string counts = "1,16,64", ceiling_url, ceiling_pids, queue = "bench-sqs";
  bool half_peak = true;
  tp->add_option("--connections", counts)->capture_default_str();
  tp->add_option("--duration", s.duration)->capture_default_str();
  tp->add_option("--warmup", s.warmup)->capture_default_str();
  tp->add_option("--ceiling", ceiling_url, "http://host:port/ of an nginx returning a fixed 200");
  tp->add_option("--ceiling-pids", ceiling_pids, "nginx master and worker pids");
  tp->add_option("--queue", queue)->capture_default_str();
  tp->add_option("--half-peak", half_peak, "also measure each workload paced at half its peak")
      ->capture_default_str();

  auto* fill = app.add_subcommand("fill", "queue COUNT messages with SendMessageBatch");
  std::uint64_t count = 1000000;
  std::size_t fill_connections = 16;
  std::string fill_queue_name = "bench-fill";
  fill->add_option("--count", count)->capture_default_str();
  fill->add_option("--connections", fill_connections)->capture_default_str();
  fill->add_option("--queue", fill_queue_name)->capture_default_str();

  auto* wait = app.add_subcommand("wait-receive", "retry ReceiveMessage until a message comes back");
  std::string wait_queue = "000000000000/bench-fill";
  double timeout = 60;
  wait->add_option("--queue", wait_queue, "ACCOUNT/NAME")->capture_default_str();
  wait->add_option("--timeout", timeout)->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  try {
    s.target.endpoint = parse_endpoint(endpoint);
    s.target.credentials = parse_credential(credential);
    s.server_pids = parse_pids(server_pids);
    if (*tp) return throughput(s, counts, ceiling_url, parse_pids(ceiling_pids), queue, half_peak);
    if (*fill) {
      const std::string url = create_queue(s.target, fill_queue_name);
      const auto start = SteadyClock::now();
      fill_queue(s, url, count, fill_connections);
      const double seconds = std::chrono::duration<double>(SteadyClock::now() - start).count();
      std::printf(
          "queued %llu messages of %zu bytes in %.1f s (%.0f msgs/s); queue now reports %llu visible\n",
          static_cast<unsigned long long>(count), s.body_bytes, seconds, static_cast<double>(count) / seconds,
          static_cast<unsigned long long>(visible_messages(s.target, url)));
      return 0;
    }
    if (*wait) return wait_receive(s, wait_queue, timeout);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sqs_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
