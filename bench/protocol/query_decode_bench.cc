// The query protocol's input path, timed in-process on one core: parse_form, decode_query_input
// and validate_input for a PublishBatch of ten events as the producer sends them (a ~1.5 KB JSON
// message and two message attributes each, percent-encoded). It isolates the part of fanoutd's
// CPU per event that the end-to-end benchmark cannot resolve from its noise.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <boost/json/object.hpp>
#include <chrono>
#include <cstdio>
#include <string>
#include <utility>
#include <variant>

#include "common/percent_encoding.h"
#include "load/per_call_timing.h"
#include "protocol/form_params.h"
#include "protocol/input_validation.h"
#include "protocol/query_codec.h"

namespace {

constexpr std::string_view kEvent =
    R"({"event_id":"6f1c2b1e-0b7d-4c1a-9f0e-1a2b3c4d5e6f","event_type":"consumer.created","version":1,)"
    R"("occurred_at":"2026-11-30T04:30:00.123Z","consumer":{"id":"c-8d1f","name":"Maria Silva",)"
    R"("email":"maria.silva@example.com","document_number":"123.456.789-00","address":{"street":"Rua A, 100",)"
    R"("city":"Sao Paulo","state":"SP","postal_code":"01000-000","country":"BR"},"created_at":)"
    R"("2026-11-30T04:30:00.120Z"},"order":{"id":"o-51c2","items":[{"sku":"SKU-1042","name":"Coffee beans",)"
    R"("quantity":2,"unit_price":"19.90"},{"sku":"SKU-2210","name":"Mug","quantity":1,"unit_price":"5.00"}],)"
    R"("total":"44.80","currency":"BRL"},"payment":{"id":"p-77aa","order_id":"o-51c2","method":"credit_card",)"
    R"("amount":"44.80","currency":"BRL","status":"approved"}})";

// Appends "&name=value", the value percent-encoded.
void add(std::string& body, std::string_view name, std::string_view value) {
  body.append("&").append(name).append("=");
  fanout::percent_encoding::append_encoded(body, value, false);
}

std::string publish_batch_body() {
  std::string body = "Action=PublishBatch&Version=2010-03-31";
  add(body, "TopicArn", "arn:aws:sns:us-east-1:000000000000:created-consumer");
  for (int n = 1; n <= 10; ++n) {
    const std::string entry = "PublishBatchRequestEntries.member." + std::to_string(n) + ".";
    add(body, entry + "Id", "e" + std::to_string(n));
    add(body, entry + "Message", kEvent);
    int index = 0;
    for (const auto& [name, value] :
         {std::pair{"event_type", "consumer.created"}, std::pair{"event_version", "1"}}) {
      const std::string attribute = entry + "MessageAttributes.entry." + std::to_string(++index) + ".";
      add(body, attribute + "Name", name);
      add(body, attribute + "Value.DataType", "String");
      add(body, attribute + "Value.StringValue", value);
    }
  }
  return body;
}

using fanout::bench::microseconds_per_call;

}  // namespace

int main(int argc, char** argv) {
  int rounds = 15;
  int iterations = 2000;
  CLI::App app{"query_decode_bench: the query protocol's input path for a 10-entry PublishBatch"};
  app.add_option("--rounds", rounds, "rounds; the best is reported")->check(CLI::PositiveNumber);
  app.add_option("--iterations", iterations, "calls per round")->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);

  namespace protocol = fanout::protocol;
  const std::string body = publish_batch_body();
  const auto& model = protocol::ServiceModel::embedded("sns");
  const protocol::OperationModel& op = *model.operation("PublishBatch");
  const protocol::FormParams params = *protocol::parse_form(body);
  auto decoded = protocol::decode_query_input(op, params);
  if (!std::holds_alternative<boost::json::object>(decoded)) {
    std::fprintf(stderr, "query_decode_bench: the body does not decode: %s\n",
                 std::get<protocol::ServiceError>(decoded).message.c_str());
    return 1;
  }
  const boost::json::object input = std::get<boost::json::object>(decoded);
  if (auto error = protocol::validate_input(model, *op.input, input)) {
    std::fprintf(stderr, "query_decode_bench: the input is invalid: %s\n", error->message.c_str());
    return 1;
  }

  std::array<double, 3> best{1e18, 1e18, 1e18};
  std::size_t sink = 0;  // results are used, so no call is optimized away
  for (int round = 0; round < rounds; ++round) {
    best[0] = std::min(
        best[0], microseconds_per_call(iterations, [&] { sink += protocol::parse_form(body)->size(); }));
    best[1] = std::min(best[1], microseconds_per_call(iterations, [&] {
                         sink +=
                             std::get<boost::json::object>(protocol::decode_query_input(op, params)).size();
                       }));
    best[2] = std::min(best[2], microseconds_per_call(iterations, [&] {
                         sink += protocol::validate_input(model, *op.input, input) ? 1 : 0;
                       }));
  }
  std::printf(
      "PublishBatch of 10 entries, %zu-byte body, %zu parameters; best of %d rounds of %d calls (%zu)\n\n",
      body.size(), params.size(), rounds, iterations, sink % 2);
  std::printf("| step | us per request | us per entry |\n|---|---:|---:|\n");
  const std::array<const char*, 3> names{"parse_form", "decode_query_input", "validate_input"};
  for (std::size_t i = 0; i < names.size(); ++i)
    std::printf("| %s | %.1f | %.2f |\n", names[i], best[i], best[i] / 10);
  std::printf("| total | %.1f | %.2f |\n", best[0] + best[1] + best[2], (best[0] + best[1] + best[2]) / 10);
  return 0;
}
