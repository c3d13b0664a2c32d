// firehose_bench: PutRecordBatch records/s into a GZIP delivery stream (100-byte records, 500 per
// batch) at several keep-alive connection counts, against the 200,000 records/s target.
//
//   firehose_bench --endpoint 127.0.0.1:4566 --credential test:test --connections 1,4,16
//     --bucket bench-landing --duration 5
// (bench/firehose_bench.sh starts a fanoutd and an S3 destination and runs it.)
#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>
#include <thread>
#include <vector>

#include "common/crypto.h"
#include "load/http_load.h"
#include "load/target_spec.h"

namespace {

using namespace fanout;
using namespace fanout::bench;

TargetSpec firehose_call(const Endpoint& endpoint, const std::string& operation, std::string body) {
  TargetSpec spec;
  spec.name = operation;
  spec.endpoint = endpoint;
  spec.method = "POST";
  spec.target = "/";
  spec.headers = {{"Content-Type", "application/x-amz-json-1.1"},
                  {"X-Amz-Target", "Firehose_20150804." + operation}};
  spec.body = std::move(body);
  spec.sigv4_service = "firehose";
  spec.sigv4_region = "us-east-1";
  return spec;
}

std::int64_t now_seconds() { return static_cast<std::int64_t>(std::time(nullptr)); }

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"PutRecordBatch records/s into a GZIP Firehose stream"};
  std::string endpoint_text = "127.0.0.1:4566";
  std::string credential = "test:test";
  std::string connections_text = "1,4,16";
  std::string bucket = "bench-landing";
  std::string stream = "bench-gzip";
  std::size_t record_bytes = 100;
  std::size_t batch = 500;
  double duration = 5;
  double warmup = 1;
  std::size_t threads = 1;
  double target = 200000;
  app.add_option("--endpoint", endpoint_text, "host:port of fanoutd");
  app.add_option("--credential", credential, "AKID:SECRET");
  app.add_option("--connections", connections_text, "comma-separated keep-alive connection counts");
  app.add_option("--bucket", bucket, "destination bucket");
  app.add_option("--stream", stream, "delivery stream name (created if missing)");
  app.add_option("--record-bytes", record_bytes);
  app.add_option("--batch", batch, "records per PutRecordBatch (max 500)");
  app.add_option("--duration", duration, "measured seconds per point");
  app.add_option("--warmup", warmup, "warm-up seconds per point");
  app.add_option("--threads", threads, "client threads");
  app.add_option("--target", target, "records/s the result is compared with");
  CLI11_PARSE(app, argc, argv);

  Endpoint endpoint;
  endpoint.host = endpoint_text.substr(0, endpoint_text.find(':'));
  endpoint.port = static_cast<std::uint16_t>(std::stoi(endpoint_text.substr(endpoint_text.find(':') + 1)));
  auth::Credentials creds{credential.substr(0, credential.find(':')),
                          credential.substr(credential.find(':') + 1), ""};

  // The stream: GZIP, 5 MiB / 60 s (the reference hints), under the reference prefix.
  boost::json::object create{{"DeliveryStreamName", stream},
                             {"DeliveryStreamType", "DirectPut"},
                             {"ExtendedS3DestinationConfiguration",
                              {{"RoleARN", "arn:aws:iam::000000000000:role/bench"},
                               {"BucketARN", "arn:aws:s3:::" + bucket},
                               {"Prefix", "landing_date=!{timestamp:yyyy-MM-dd}/"},
                               {"ErrorOutputPrefix", "errors/!{firehose:error-output-type}/"},
                               {"BufferingHints", {{"SizeInMBs", 5}, {"IntervalInSeconds", 60}}},
                               {"CompressionFormat", "GZIP"}}}};
  auto created = probe(
      endpoint, build_request(firehose_call(endpoint, "CreateDeliveryStream", boost::json::serialize(create)),
                              &creds, now_seconds()));
  if (created.status != 200 && created.body.find("ResourceInUseException") == std::string::npos) {
    std::fprintf(stderr, "CreateDeliveryStream failed: %d %s %s\n", created.status, created.body.c_str(),
                 created.error.c_str());
    return 1;
  }
  const std::string describe = boost::json::serialize(boost::json::object{{"DeliveryStreamName", stream}});
  for (int i = 0; i < 100; ++i) {
    auto d = probe(endpoint, build_request(firehose_call(endpoint, "DescribeDeliveryStream", describe),
                                           &creds, now_seconds()));
    if (d.body.find("\"ACTIVE\"") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }

  // One batch body: `batch` records of `record_bytes` printable bytes, each different.
  boost::json::array records;
  for (std::size_t i = 0; i < batch; ++i) {
    std::string data = "{\"n\":" + std::to_string(i) + ",\"pad\":\"";
    while (data.size() + 2 < record_bytes) data += static_cast<char>('a' + (data.size() + i) % 26);
    data += "\"}";
    data.resize(record_bytes, ' ');
    records.push_back(boost::json::object{{"Data", crypto::base64_encode(data)}});
  }
  const std::string body = boost::json::serialize(
      boost::json::object{{"DeliveryStreamName", stream}, {"Records", std::move(records)}});

  std::printf("PutRecordBatch into %s (GZIP), %zu records x %zu bytes per request, %zu client thread(s)\n",
              stream.c_str(), batch, record_bytes, threads);
  std::printf("| connections | requests/s | records/s | ratio to %.0f | p50 ms | p99 ms | failed |\n",
              target);
  std::printf("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
  std::size_t start = 0;
  while (start <= connections_text.size()) {
    const auto comma = connections_text.find(',', start);
    const std::size_t connections = std::stoul(connections_text.substr(start, comma - start));
    // Signed fresh for each point: the signature stays valid for the point's few seconds.
    const std::string request =
        build_request(firehose_call(endpoint, "PutRecordBatch", body), &creds, now_seconds());
    LoadOptions options;
    options.endpoint = endpoint;
    options.connections = connections;
    options.threads = threads;
    options.warmup =
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(warmup));
    options.duration =
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(duration));
    options.generator = fixed_request(request);
    std::uint64_t failed_records = 0;
    options.observer = [&failed_records](const RequestContext&, int status, std::string_view response) {
      // "FailedPutCount":N — throttled records count as not accepted.
      auto at = response.find("\"FailedPutCount\":");
      if (status == 200 && at != std::string_view::npos) {
        failed_records += std::strtoull(response.data() + at + 17, nullptr, 10);
      }
    };
    auto result = run_load(options);
    const double records_per_second = (static_cast<double>(result.expected) * static_cast<double>(batch) -
                                       static_cast<double>(failed_records)) /
                                      result.seconds;
    std::printf(
        "| %zu | %.0f | %.0f | %.2f | %.2f | %.2f | %llu req, %llu records |\n", connections,
        result.requests_per_second(), records_per_second, records_per_second / target,
        result.quantile_ms(0.5), result.quantile_ms(0.99),
        static_cast<unsigned long long>(result.unexpected) + static_cast<unsigned long long>(result.errors),
        static_cast<unsigned long long>(failed_records));
    if (!result.first_error.empty()) std::printf("  (first error: %s)\n", result.first_error.c_str());
    std::fflush(stdout);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return 0;
}
