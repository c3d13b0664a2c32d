// Drives every fanout_client operation once against a real endpoint and prints what came back as
// JSON, for tests/integration/test_client.py (which prepares the resources and checks the results
// with boto3).
//
//   client_smoke --queue-url URL --bucket NAME --stream NAME
#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <iostream>

#include "client/aws_error.h"
#include "client/client_config.h"
#include "client/cloudformation_client.h"
#include "client/firehose_client.h"
#include "client/s3_client.h"
#include "client/sqs_client.h"

namespace json = boost::json;
using namespace fanout::client;  // NOLINT: a test driver, not a header

namespace {

json::value error_of(const AwsError& e) {
  return json::object{{"code", e.code()}, {"status", e.http_status()}, {"request_id", e.request_id()}};
}

}  // namespace

int main(int argc, char** argv) {
  std::string queue_url, bucket, stream;
  CLI::App app{"fanout_client smoke run"};
  app.add_option("--queue-url", queue_url)->required();
  app.add_option("--bucket", bucket)->required();
  app.add_option("--stream", stream)->required();
  CLI11_PARSE(app, argc, argv);

  json::object out;
  try {
    const ClientConfig config = load_client_config();
    SqsClient sqs(config);
    const MessageAttributes attributes{{"event_type", {"String", "consumer.created", ""}},
                                       {"n", {"Number", "42", ""}},
                                       {"blob", {"Binary", "", std::string("\x00\x01\xff", 3)}}};
    const SqsSendResult sent = sqs.send_message({queue_url, "single ü", std::nullopt, attributes, "", ""});
    out["send"] = {{"message_id", sent.message_id},
                   {"md5_of_body", sent.md5_of_body},
                   {"md5_of_attributes", sent.md5_of_attributes}};
    const SqsSendBatchResult batch = sqs.send_message_batch(
        queue_url, {{"a", "batch a", std::nullopt, {}, "", ""}, {"b", "batch b", 0, attributes, "", ""}});
    out["send_batch_ok"] = static_cast<std::int64_t>(batch.successful.size());
    out["send_batch_failed"] = static_cast<std::int64_t>(batch.failed.size());

    json::array bodies;
    std::vector<SqsMessage> received;
    for (int round = 0; round < 10 && received.size() < 3; ++round) {
      for (auto& message : sqs.receive_message({queue_url, 10, 1, std::nullopt})) {
        received.push_back(std::move(message));
      }
    }
    for (const auto& message : received) {
      json::object entry{{"body", message.body},
                         {"receive_count", message.attributes.count("ApproximateReceiveCount")
                                               ? message.attributes.at("ApproximateReceiveCount")
                                               : ""},
                         {"attributes", static_cast<std::int64_t>(message.message_attributes.size())}};
      if (message.message_attributes.count("blob")) {
        entry["blob_hex"] =
            message.message_attributes.at("blob").binary_value == std::string("\x00\x01\xff", 3);
      }
      bodies.push_back(std::move(entry));
    }
    out["received"] = std::move(bodies);
    if (received.size() == 3) {
      sqs.change_message_visibility(queue_url, received[0].receipt_handle, 5);
      sqs.delete_message(queue_url, received[0].receipt_handle);
      const SqsBatchResult deleted = sqs.delete_message_batch(
          queue_url, {{"x", received[1].receipt_handle, 0}, {"y", received[2].receipt_handle, 0}});
      out["deleted_batch"] = static_cast<std::int64_t>(deleted.successful.size());
    }
    out["queue_attributes"] = static_cast<std::int64_t>(sqs.get_queue_attributes(queue_url).size());
    try {
      sqs.get_queue_attributes(queue_url + "-missing");
    } catch (const AwsError& e) {
      out["missing_queue_error"] = error_of(e);
    }

    S3Client s3(config);
    const std::string key = "landing_date=2026-11-28/events ü.json";
    out["put_etag"] = s3.put_object(bucket, key, "{\"k\":1}\n", "application/json").etag;
    const S3Object object = s3.get_object(bucket, key);
    out["get_body"] = object.body;
    out["get_etag"] = object.etag;
    json::array keys;
    for (const auto& entry : s3.list_all(bucket, "landing_date=")) keys.push_back(json::string(entry.key));
    out["list"] = std::move(keys);
    try {
      s3.get_object(bucket, "no/such/key");
    } catch (const AwsError& e) {
      out["missing_key_error"] = error_of(e);
    }

    FirehoseClient firehose(config);
    out["record_id"] = firehose.put_record(stream, "one\n").record_id;
    const FirehoseBatchResult records = firehose.put_record_batch(stream, {"two\n", "three\n"});
    out["batch_failed"] = records.failed_put_count;
    out["batch_records"] = static_cast<std::int64_t>(records.responses.size());

    CloudFormationClient cloudformation(config);
    try {
      cloudformation.describe_stacks("no-such-stack");
      out["describe_missing"] = "no error";
    } catch (const AwsError& e) {
      out["describe_missing"] = error_of(e);
    }
  } catch (const std::exception& e) {
    out["fatal"] = e.what();
    std::cout << json::serialize(out) << std::endl;
    return 1;
  }
  std::cout << json::serialize(out) << std::endl;
  return 0;
}
