// sqs_client_bench: the client library's own cost per SQS call, as the apps pay it. One thread
// runs the consumers' loop against a running fanoutd: SendMessageBatch (10), ReceiveMessage (10,
// only ApproximateReceiveCount, as the services ask), DeleteMessageBatch (10). Each call is timed
// in this thread's CPU time (user + kernel, so the loopback TCP send is included) and in wall time.
//
//   sqs_client_bench --endpoint http://127.0.0.1:4566 --rounds 2000 --body-bytes 600
//
// Prints, per call, the mean CPU and wall microseconds over all rounds and the best of
// --windows equal windows (this VM's noise makes single numbers unreliable).
#include <time.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include "client/client_config.h"
#include "client/endpoint.h"
#include "client/sqs_client.h"
#include "client/wire_protocols.h"

namespace {

std::int64_t thread_cpu_ns() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1'000'000'000LL + ts.tv_nsec;
}

std::int64_t wall_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

struct CallCost {
  std::int64_t cpu_ns = 0;
  std::int64_t wall_ns = 0;
  std::int64_t calls = 0;

  double cpu_us_per_call() const {
    return calls ? static_cast<double>(cpu_ns) / 1e3 / static_cast<double>(calls) : 0;
  }
  double wall_us_per_call() const {
    return calls ? static_cast<double>(wall_ns) / 1e3 / static_cast<double>(calls) : 0;
  }
};

// Runs fn, adding its thread CPU and wall time to cost.
template <typename Fn>
auto timed(CallCost& cost, Fn&& fn) {
  const auto cpu0 = thread_cpu_ns();
  const auto wall0 = wall_ns();
  auto result = fn();
  cost.cpu_ns += thread_cpu_ns() - cpu0;
  cost.wall_ns += wall_ns() - wall0;
  ++cost.calls;
  return result;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"client library cost per SQS call"};
  std::string endpoint = "http://127.0.0.1:4566";
  std::string queue_name = "client-bench";
  int rounds = 2000;
  int windows = 10;
  std::size_t body_bytes = 600;
  app.add_option("--endpoint", endpoint, "fanoutd's URL");
  app.add_option("--queue", queue_name, "queue to create and use");
  app.add_option("--rounds", rounds, "send + receive + delete rounds")->check(CLI::PositiveNumber);
  app.add_option("--windows", windows, "equal windows for the best-of figure")->check(CLI::PositiveNumber);
  app.add_option("--body-bytes", body_bytes, "message body size");
  CLI11_PARSE(app, argc, argv);

  fanout::client::ClientConfig config;
  config.region = "us-east-1";
  config.credentials = {"AKIDBENCH", "bench-secret", ""};
  config.endpoints["sqs"] = fanout::client::parse_endpoint_url(endpoint);
  fanout::client::SqsClient sqs(config);

  boost::json::object create;
  create["QueueName"] = queue_name;
  const auto created =
      fanout::client::call_json(sqs.caller(), "application/x-amz-json-1.0", "AmazonSQS.CreateQueue", create);
  const std::string queue_url = fanout::client::json_string_member(created, "QueueUrl");

  // A body shaped like the producer's events: JSON text of the given size.
  std::string body = R"({"id":"00000000-0000-0000-0000-000000000000","name":")";
  body.append(body_bytes > body.size() + 2 ? body_bytes - body.size() - 2 : 0, 'x').append("\"}");

  const std::size_t window_rounds = std::max<std::size_t>(1, static_cast<std::size_t>(rounds / windows));
  struct Totals {
    CallCost send, receive, remove;
  };
  Totals all;
  Totals window;
  double best_total_cpu_us = std::numeric_limits<double>::max();
  Totals best;
  for (int round = 1; round <= rounds; ++round) {
    std::vector<fanout::client::SqsSendBatchEntry> entries(10);
    for (std::size_t i = 0; i < entries.size(); ++i) {
      entries[i].id = "m" + std::to_string(i);
      entries[i].body = body;
    }
    timed(window.send, [&] { return sqs.send_message_batch(queue_url, entries); });
    fanout::client::SqsReceiveRequest receive;
    receive.queue_url = queue_url;
    receive.wait_time_seconds = 0;
    receive.message_attribute_names = {};
    receive.system_attribute_names = {"ApproximateReceiveCount"};
    const auto messages = timed(window.receive, [&] { return sqs.receive_message(receive); });
    std::vector<fanout::client::SqsReceiptEntry> receipts;
    for (std::size_t i = 0; i < messages.size(); ++i) {
      receipts.push_back({"d" + std::to_string(i), messages[i].receipt_handle, 0});
    }
    if (!receipts.empty())
      timed(window.remove, [&] { return sqs.delete_message_batch(queue_url, receipts); });

    if (round % static_cast<int>(window_rounds) == 0 || round == rounds) {
      const double total =
          window.send.cpu_us_per_call() + window.receive.cpu_us_per_call() + window.remove.cpu_us_per_call();
      if (total < best_total_cpu_us) {
        best_total_cpu_us = total;
        best = window;
      }
      for (auto [from, to] : {std::pair{&window.send, &all.send}, std::pair{&window.receive, &all.receive},
                              std::pair{&window.remove, &all.remove}}) {
        to->cpu_ns += from->cpu_ns;
        to->wall_ns += from->wall_ns;
        to->calls += from->calls;
      }
      window = {};
    }
  }

  std::printf(
      "client cost per call (this thread's CPU, user + kernel), %d rounds of 10 messages, %zu-byte bodies\n",
      rounds, body_bytes);
  std::printf("%-22s %12s %12s %16s\n", "call", "mean cpu us", "mean wall us", "best-window cpu us");
  const auto row = [](const char* name, const CallCost& mean, const CallCost& best_window) {
    std::printf("%-22s %12.1f %12.1f %16.1f\n", name, mean.cpu_us_per_call(), mean.wall_us_per_call(),
                best_window.cpu_us_per_call());
  };
  row("SendMessageBatch", all.send, best.send);
  row("ReceiveMessage", all.receive, best.receive);
  row("DeleteMessageBatch", all.remove, best.remove);
  return 0;
}
