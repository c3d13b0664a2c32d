// The engine's lifecycle, dispatch, stack bookkeeping, persistence and worker thread.
#include <spdlog/spdlog.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cstdio>

#include "common/crypto.h"
#include "services/cloudformation/cloudformation_engine.h"
#include "services/cloudformation/engine_internal.h"

namespace fanout::services::cloudformation {
namespace json = boost::json;

CloudFormationEngine::CloudFormationEngine(store::Store& store, const Clock& clock, EngineLookup engines)
    : store_(store), clock_(clock), engines_(std::move(engines)) {
  recover();
  worker_ = std::thread([this] { worker_loop(); });
}

CloudFormationEngine::~CloudFormationEngine() { stop(); }

std::vector<std::string> CloudFormationEngine::column_families() {
  return {std::string(kStacksFamily), std::string(kEventsFamily)};
}

void CloudFormationEngine::stop() {
  {
    std::lock_guard lock(jobs_mutex_);
    stopping_ = true;
  }
  jobs_changed_.notify_all();
  if (worker_.joinable()) worker_.join();
}

void CloudFormationEngine::reset() {
  wait_idle();
  std::lock_guard lock(mutex_);
  stacks_.clear();
}

void CloudFormationEngine::wait_idle() {
  std::unique_lock lock(jobs_mutex_);
  jobs_changed_.wait(lock, [this] { return (jobs_.empty() && !busy_) || stopping_; });
}

void CloudFormationEngine::enqueue(std::function<void()> job) {
  {
    std::lock_guard lock(jobs_mutex_);
    jobs_.push_back(std::move(job));
  }
  jobs_changed_.notify_all();
}

void CloudFormationEngine::worker_loop() {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock lock(jobs_mutex_);
      jobs_changed_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (stopping_) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
      busy_ = true;
    }
    try {
      job();
    } catch (const std::exception& e) {
      spdlog::error("cloudformation: stack operation failed unexpectedly: {}", e.what());
    }
    {
      std::lock_guard lock(jobs_mutex_);
      busy_ = false;
    }
    jobs_changed_.notify_all();
  }
}

double CloudFormationEngine::now() const { return static_cast<double>(clock_.now_ms()) / 1000.0; }

std::string CloudFormationEngine::account_of(const std::string& stack_id) const {
  // arn:aws:cloudformation:<region>:<account>:stack/<name>/<uuid>
  std::size_t pos = 0;
  for (int i = 0; i < 4 && pos != std::string::npos; ++i) pos = stack_id.find(':', pos + 1);
  if (pos == std::string::npos) return {};
  auto end = stack_id.find(':', pos + 1);
  return stack_id.substr(pos + 1, end - pos - 1);
}

std::shared_ptr<Stack> CloudFormationEngine::find_locked(const std::string& account,
                                                         const std::string& name_or_id,
                                                         bool include_deleted) {
  if (name_or_id.starts_with("arn:")) {
    auto it = stacks_.find(name_or_id);
    if (it == stacks_.end() || account_of(it->first) != account) return nullptr;
    return it->second;
  }
  for (auto& [id, stack] : stacks_) {
    if (stack->name == name_or_id && account_of(id) == account && (include_deleted || !stack->is_deleted())) {
      if (!stack->is_deleted()) return stack;
    }
  }
  return nullptr;
}

void CloudFormationEngine::add_event_locked(Stack& stack, const std::string& logical_id,
                                            const std::string& physical_id, const std::string& type,
                                            const std::string& status, const std::string& reason,
                                            const json::value& properties) {
  json::object event{{"StackId", stack.id},
                     {"EventId", crypto::uuid_v4()},
                     {"StackName", stack.name},
                     {"LogicalResourceId", logical_id},
                     {"PhysicalResourceId", physical_id},
                     {"ResourceType", type},
                     {"Timestamp", now()},
                     {"ResourceStatus", status}};
  if (!reason.empty()) event["ResourceStatusReason"] = reason;
  if (properties.is_object()) event["ResourceProperties"] = json::serialize(properties);
  char key[32];
  std::snprintf(key, sizeof key, "/%016llu", static_cast<unsigned long long>(stack.next_event++));
  store::Batch batch;
  batch.put(kEventsFamily, stack.id + key, json::serialize(event));
  store_.commit(std::move(batch), [](const store::Status&) {});
  stack.events.push_back(std::move(event));
}

void CloudFormationEngine::set_stack_status_locked(Stack& stack, const std::string& status,
                                                   const std::string& reason) {
  stack.status = status;
  stack.reason = reason;
  add_event_locked(stack, stack.name, stack.id, "AWS::CloudFormation::Stack", status, reason);
  persist_locked(stack);
}

void CloudFormationEngine::persist_locked(const Stack& stack) {
  store::Batch batch;
  batch.put(kStacksFamily, stack.id, json::serialize(stack.to_json()));
  if (auto status = store_.write(std::move(batch)); !status.ok) {
    spdlog::error("cloudformation: persisting stack {} failed: {}", stack.name, status.message);
  }
}

std::optional<std::string> CloudFormationEngine::export_value_locked(const std::string& account,
                                                                     const std::string& name) const {
  for (const auto& [id, stack] : stacks_) {
    if (stack->is_deleted() || account_of(id) != account) continue;
    for (const auto& o : stack->outputs) {
      const auto& out = o.as_object();
      if (text_input(out, "ExportName") == name) return text_input(out, "OutputValue");
    }
  }
  return std::nullopt;
}

void CloudFormationEngine::recover() {
  std::vector<std::shared_ptr<Stack>> loaded;
  store_.scan(kStacksFamily, "", [&](std::string_view, std::string_view value) {
    boost::system::error_code ec;
    auto parsed = json::parse(value, ec);
    if (!ec && parsed.is_object())
      loaded.push_back(std::make_shared<Stack>(Stack::from_json(parsed.as_object())));
    return true;
  });
  for (auto& stack : loaded) {
    store_.scan(kEventsFamily, stack->id + "/", [&](std::string_view, std::string_view value) {
      boost::system::error_code ec;
      auto parsed = json::parse(value, ec);
      if (!ec && parsed.is_object()) stack->events.push_back(parsed.as_object());
      return true;
    });
    stacks_[stack->id] = stack;
  }
  // Stacks interrupted mid-operation: finish them as AWS does after a failure.
  for (auto& stack : loaded) {
    const std::string status = stack->status;
    Context context;
    context.account_id = account_of(stack->id);
    context.region = stack->id.size() > 23 ? stack->id.substr(23, stack->id.find(':', 23) - 23) : "us-east-1";
    context.request_id = crypto::uuid_v4();
    context.host = "localhost:4566";
    const std::string id = stack->id;
    if (status == "CREATE_IN_PROGRESS" || status == "ROLLBACK_IN_PROGRESS") {
      std::lock_guard lock(mutex_);
      set_stack_status_locked(*stack, "ROLLBACK_IN_PROGRESS",
                              "fanoutd restarted while the stack was being created. Rollback requested.");
      enqueue([this, context, id] {
        std::vector<std::string> ids;
        {
          std::lock_guard lock(mutex_);
          auto s = stacks_.at(id);
          ids.assign(s->order.rbegin(), s->order.rend());
        }
        std::string failed;
        bool ok = delete_resources(context, id, ids, failed);
        std::lock_guard lock(mutex_);
        set_stack_status_locked(*stacks_.at(id), ok ? "ROLLBACK_COMPLETE" : "ROLLBACK_FAILED",
                                ok ? "" : "The following resource(s) failed to delete: [" + failed + "]. ");
      });
    } else if (status == "DELETE_IN_PROGRESS") {
      enqueue([this, context, id] { run_delete(context, id); });
    } else if (status.find("IN_PROGRESS") != std::string::npos && status != "REVIEW_IN_PROGRESS") {
      std::lock_guard lock(mutex_);
      set_stack_status_locked(
          *stack, "UPDATE_ROLLBACK_FAILED",
          "fanoutd restarted while the stack was being updated; its resources may be in either state.");
    }
  }
}

void CloudFormationEngine::invoke(const Context& context, const std::string& operation, Input input,
                                  protocol::Completion done) {
  using Handler = Output (CloudFormationEngine::*)(const Context&, const Input&);
  static const std::map<std::string, Handler, std::less<>> kHandlers = {
      {"ValidateTemplate", &CloudFormationEngine::validate_template},
      {"CreateStack", &CloudFormationEngine::create_stack},
      {"UpdateStack", &CloudFormationEngine::update_stack},
      {"DeleteStack", &CloudFormationEngine::delete_stack},
      {"DescribeStacks", &CloudFormationEngine::describe_stacks},
      {"ListStacks", &CloudFormationEngine::list_stacks},
      {"DescribeStackEvents", &CloudFormationEngine::describe_stack_events},
      {"DescribeStackResource", &CloudFormationEngine::describe_stack_resource},
      {"DescribeStackResources", &CloudFormationEngine::describe_stack_resources},
      {"ListStackResources", &CloudFormationEngine::list_stack_resources},
      {"GetTemplate", &CloudFormationEngine::get_template},
      {"GetTemplateSummary", &CloudFormationEngine::get_template_summary},
      {"ListExports", &CloudFormationEngine::list_exports},
      {"ListImports", &CloudFormationEngine::list_imports},
      {"CreateChangeSet", &CloudFormationEngine::create_change_set},
      {"DescribeChangeSet", &CloudFormationEngine::describe_change_set},
      {"ExecuteChangeSet", &CloudFormationEngine::execute_change_set},
      {"DeleteChangeSet", &CloudFormationEngine::delete_change_set},
      {"ListChangeSets", &CloudFormationEngine::list_change_sets},
  };
  auto it = kHandlers.find(operation);
  if (it == kHandlers.end()) {
    // Operations of the model fanoutd does not implement: AWS's answer for an action it lacks.
    done(protocol::ServiceError::make("InvalidAction",
                                      "The action " + operation + " is not valid for this web service."));
    return;
  }
  done((this->*(it->second))(context, input));
}

}  // namespace fanout::services::cloudformation
