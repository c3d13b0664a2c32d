// Writes the reference `.env` from a deployed stack's Outputs (infra/infra.yaml: TopicArn,
// OrdersQueueUrl, PaymentsQueueUrl, BucketName, DeliveryStreamName), for `make run` and for real
// AWS alike. Waits while the stack is still being created or updated.
//
//   stack_env --stack-name fanout [--output .env] [--timeout 300]
#include <CLI/CLI.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "client/aws_error.h"
#include "client/client_config.h"
#include "client/cloudformation_client.h"

namespace {

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string stack_name;
  std::string output = ".env";
  int timeout_seconds = 300;
  CLI::App app{"Writes the apps' .env from a CloudFormation stack's Outputs"};
  app.add_option("--stack-name", stack_name, "the deployed stack")->required();
  app.add_option("--output", output, "the .env to write");
  app.add_option("--timeout", timeout_seconds, "seconds to wait for *_COMPLETE");
  CLI11_PARSE(app, argc, argv);
  try {
    const fanout::client::ClientConfig config = fanout::client::load_client_config();
    fanout::client::CloudFormationClient cloudformation(config);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
    fanout::client::CloudFormationStack stack;
    while (true) {
      auto stacks = cloudformation.describe_stacks(stack_name);
      if (stacks.empty()) throw std::runtime_error("stack " + stack_name + " not found");
      stack = stacks.front();
      const std::string& status = stack.stack_status;
      if (ends_with(status, "_IN_PROGRESS") && status.find("ROLLBACK") == std::string::npos) {
        if (std::chrono::steady_clock::now() > deadline) {
          throw std::runtime_error(std::string("stack ")
                                       .append(stack_name)
                                       .append(" still ")
                                       .append(status)
                                       .append(" after ")
                                       .append(std::to_string(timeout_seconds))
                                       .append(" s"));
        }
        std::this_thread::sleep_for(std::chrono::seconds(1));
        continue;
      }
      if (status != "CREATE_COMPLETE" && status != "UPDATE_COMPLETE" && status != "IMPORT_COMPLETE") {
        std::string message = std::string("stack ").append(stack_name).append(" is ").append(status);
        if (!stack.stack_status_reason.empty()) message.append(": ").append(stack.stack_status_reason);
        throw std::runtime_error(message);
      }
      break;
    }
    auto output_value = [&](const std::string& key) {
      auto it = stack.outputs.find(key);
      if (it == stack.outputs.end())
        throw std::runtime_error("stack " + stack_name + " has no Output " + key);
      return it->second;
    };
    const std::string temporary = output + ".tmp";
    {
      std::ofstream out(temporary, std::ios::trunc);
      out << "# Written by stack_env from stack " << stack_name << " (" << stack.stack_id << ")\n"
          << "ACCESS_KEY=" << config.credentials.access_key_id << "\n"
          << "SECRET_KEY=" << config.credentials.secret_access_key << "\n";
      if (!config.credentials.session_token.empty())
        out << "SESSION_TOKEN=" << config.credentials.session_token << "\n";
      out << "ARN=" << output_value("TopicArn") << "\n"
          << "URL_ORDERS=" << output_value("OrdersQueueUrl") << "\n"
          << "URL_PAYMENTS=" << output_value("PaymentsQueueUrl") << "\n";
      if (stack.outputs.count("BucketName")) out << "BUCKET=" << stack.outputs.at("BucketName") << "\n";
      if (stack.outputs.count("DeliveryStreamName")) {
        out << "DELIVERY_STREAM=" << stack.outputs.at("DeliveryStreamName") << "\n";
      }
      if (!out) throw std::runtime_error("cannot write " + temporary);
    }
    std::filesystem::permissions(temporary,
                                 std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    std::filesystem::rename(temporary, output);
    std::cerr << "stack_env: wrote " << output << " from stack " << stack_name << " (" << stack.stack_status
              << ")\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "stack_env: " << e.what() << std::endl;
    return 2;
  }
}
