#include "services/cloudformation/startup_deploy.h"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <chrono>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "services/cloudformation/cloudformation_engine.h"
#include "services/cloudformation/service_caller.h"

namespace fanout::services::cloudformation {
namespace {

namespace json = boost::json;

// The engine's API, called in-process through the providers' ServiceCaller: the input is
// validated against the model as a wire request would be, and each call is waited for.
class StackApi {
 public:
  StackApi(CloudFormationEngine& engine, protocol::RequestContext context)
      : caller_(
            [&engine](const std::string& service) -> protocol::ServiceEngine* {
              return service == "cloudformation" ? &engine : nullptr;
            },
            nullptr, std::move(context)) {}

  protocol::OperationResult call(const std::string& operation, json::object input) {
    return caller_.call("cloudformation", operation, std::move(input));
  }

  // The stack's description, or nullopt when it does not exist.
  std::optional<json::object> describe(const std::string& stack_name) {
    auto result = call("DescribeStacks", {{"StackName", stack_name}});
    if (std::holds_alternative<protocol::ServiceError>(result)) return std::nullopt;
    const auto& stacks = std::get<json::object>(result).at("Stacks").as_array();
    if (stacks.empty()) return std::nullopt;
    return stacks.front().as_object();
  }

  // Polls until the stack leaves its *_IN_PROGRESS state; returns the final status.
  std::string wait_settled(const std::string& stack_name) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(10);
    while (true) {
      auto stack = describe(stack_name);
      if (!stack) return "DELETE_COMPLETE";
      std::string status(stack->at("StackStatus").as_string());
      if (!status.ends_with("_IN_PROGRESS") || std::chrono::steady_clock::now() > deadline) return status;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }

  // The first failure the stack's events explain (events are newest first).
  std::string failure_reason(const std::string& stack_name) {
    auto result = call("DescribeStackEvents", {{"StackName", stack_name}});
    if (std::holds_alternative<protocol::ServiceError>(result)) return {};
    std::string reason;
    for (const auto& event : std::get<json::object>(result).at("StackEvents").as_array()) {
      const auto& e = event.as_object();
      const auto* status = e.if_contains("ResourceStatus");
      const auto* why = e.if_contains("ResourceStatusReason");
      if (status && why && status->as_string().ends_with("_FAILED")) {
        reason = std::string(e.at("LogicalResourceId").as_string()) + ": " + std::string(why->as_string());
      }
    }
    return reason;
  }

 private:
  ServiceCaller caller_;
};

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read template " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string describe_error(const protocol::OperationResult& result) {
  const auto& error = std::get<protocol::ServiceError>(result);
  return error.code + ": " + error.message;
}

std::string deploy_one(StackApi& api, const StartupDeployment& deployment) {
  const std::string& name = deployment.stack_name;
  const std::string body = read_file(deployment.template_file);

  // Only the parameters this template declares, as `aws cloudformation deploy` does.
  auto summary = api.call("GetTemplateSummary", {{"TemplateBody", body}});
  if (std::holds_alternative<protocol::ServiceError>(summary)) {
    return deployment.template_file + ": " + describe_error(summary);
  }
  std::set<std::string> declared;
  if (const auto* list = std::get<json::object>(summary).if_contains("Parameters")) {
    for (const auto& p : list->as_array()) declared.emplace(p.as_object().at("ParameterKey").as_string());
  }
  json::array parameters;
  for (const auto& [key, value] : deployment.parameters) {
    if (declared.count(key))
      parameters.push_back(json::object{{"ParameterKey", key}, {"ParameterValue", value}});
  }
  json::object input{
      {"StackName", name},
      {"TemplateBody", body},
      {"Parameters", parameters},
      {"Capabilities", json::array{"CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"}}};

  auto existing = api.describe(name);
  if (existing && existing->at("StackStatus").as_string() == "ROLLBACK_COMPLETE") {
    // A create that failed earlier leaves a stack that can only be deleted; start over.
    spdlog::info("deploy: stack {} is ROLLBACK_COMPLETE; deleting it before creating it again", name);
    api.call("DeleteStack", {{"StackName", name}});
    api.wait_settled(name);
    existing.reset();
  }
  const bool create = !existing;
  auto started = api.call(create ? "CreateStack" : "UpdateStack", input);
  if (auto* error = std::get_if<protocol::ServiceError>(&started)) {
    if (!create && error->message == "No updates are to be performed.") {
      spdlog::info("deploy: stack {} is up to date", name);
      return {};
    }
    return "stack " + name + ": " + describe_error(started);
  }
  const std::string status = api.wait_settled(name);
  if (status != (create ? "CREATE_COMPLETE" : "UPDATE_COMPLETE")) {
    return "stack " + name + " ended " + status + " (" + api.failure_reason(name) + ")";
  }
  spdlog::info("deploy: stack {} {} from {}", name, create ? "created" : "updated", deployment.template_file);
  return {};
}

}  // namespace

std::string deploy_at_startup(CloudFormationEngine& engine, const std::string& account_id,
                              const std::string& region, const std::string& host,
                              const std::vector<StartupDeployment>& deployments) {
  protocol::RequestContext context;
  context.account_id = account_id;
  context.region = region;
  context.host = host;
  context.wire_protocol = "query";
  context.request_id = "fanoutd-deploy";
  StackApi api(engine, context);
  for (const auto& deployment : deployments) {
    try {
      if (auto problem = deploy_one(api, deployment); !problem.empty()) return problem;
    } catch (const std::exception& e) {
      return "stack " + deployment.stack_name + ": " + e.what();
    }
  }
  return {};
}

}  // namespace fanout::services::cloudformation
