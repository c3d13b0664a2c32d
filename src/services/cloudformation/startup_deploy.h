// `fanoutd --deploy FILE --stack-name NAME`: creates or updates stacks at start-up, the way
// `aws cloudformation deploy` does, so one command brings a whole system up.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace fanout::services::cloudformation {

class CloudFormationEngine;

struct StartupDeployment {
  std::string template_file;
  std::string stack_name;
  // Key=Value overrides; each is given only to stacks whose template declares the key.
  std::vector<std::pair<std::string, std::string>> parameters;
};

// Deploys each stack in order and waits for it to settle: a stack that does not exist is created,
// one that exists is updated ("No updates are to be performed." counts as success), with every
// capability granted. `host` is the address the resources are created for (queue URLs name it,
// as they name the Host a client used). Returns a message naming the stack and AWS's reason on failure, else
// empty.
std::string deploy_at_startup(CloudFormationEngine& engine, const std::string& account_id,
                              const std::string& region, const std::string& host,
                              const std::vector<StartupDeployment>& deployments);

}  // namespace fanout::services::cloudformation
