// The CloudFormation engine: the stack API (query protocol, through invoke()), stack operations
// run asynchronously on one worker thread (the API answers at once and the status progresses,
// as AWS's), resources provisioned through the other engines' public operations, stacks and
// events durable in the store.
//
// Concurrency: invoke() may run on any thread; one mutex guards every stack. The worker never
// holds it while a resource provider calls another engine.
//
// Recovery: a stack found mid-operation at start-up (fanoutd was killed) is finished the way
// AWS would after a failure: a create rolls back, a delete resumes, an update is reported
// UPDATE_ROLLBACK_FAILED (its resources may be in either state).
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "protocol/operation.h"
#include "services/cloudformation/service_caller.h"
#include "store/store.h"

namespace fanout::services::cloudformation {

struct Stack;
struct StackTemplate;

class CloudFormationEngine final : public protocol::ServiceEngine {
 public:
  CloudFormationEngine(store::Store& store, const Clock& clock, EngineLookup engines);
  ~CloudFormationEngine() override;
  CloudFormationEngine(const CloudFormationEngine&) = delete;
  CloudFormationEngine& operator=(const CloudFormationEngine&) = delete;

  static std::vector<std::string> column_families();

  void invoke(const protocol::RequestContext& context, const std::string& operation,
              boost::json::object input, protocol::Completion done) override;

  // The S3 engine's bucket API (AWS::S3::Bucket needs it); set before the first request.
  void set_bucket_operations(std::unique_ptr<BucketOperations> buckets) { buckets_ = std::move(buckets); }
  void reset();
  void stop();
  // Blocks until the worker has no queued or running operation (tests, --deploy).
  void wait_idle();

 private:
  using Input = boost::json::object;
  using Output = protocol::OperationResult;
  using Context = protocol::RequestContext;

  // API (engine_api.cc, engine_change_sets.cc)
  Output validate_template(const Context& c, const Input& in);
  Output create_stack(const Context& c, const Input& in);
  Output update_stack(const Context& c, const Input& in);
  Output delete_stack(const Context& c, const Input& in);
  Output describe_stacks(const Context& c, const Input& in);
  Output list_stacks(const Context& c, const Input& in);
  Output describe_stack_events(const Context& c, const Input& in);
  Output describe_stack_resource(const Context& c, const Input& in);
  Output describe_stack_resources(const Context& c, const Input& in);
  Output list_stack_resources(const Context& c, const Input& in);
  Output get_template(const Context& c, const Input& in);
  Output get_template_summary(const Context& c, const Input& in);
  Output list_exports(const Context& c, const Input& in);
  Output list_imports(const Context& c, const Input& in);
  Output create_change_set(const Context& c, const Input& in);
  Output describe_change_set(const Context& c, const Input& in);
  Output execute_change_set(const Context& c, const Input& in);
  Output delete_change_set(const Context& c, const Input& in);
  Output list_change_sets(const Context& c, const Input& in);

  // Stack operations on the worker (engine_operations.cc). Run with mutex_ not held.
  void run_create(const Context& c, const std::string& stack_id);
  void run_update(const Context& c, const std::string& stack_id, const std::string& template_body,
                  const std::map<std::string, std::string>& parameters,
                  const std::vector<std::string>& capabilities);
  void run_delete(const Context& c, const std::string& stack_id);
  void compute_change_set(const std::string& stack_id, const std::string& change_set_name);
  // Waits (bounded) for the stack's operation to finish; see engine_change_sets.cc.
  void settle(const std::string& stack_id);
  // Deletes `ids` (logical ids, in the given order) of the stack; false when one failed.
  bool delete_resources(const Context& c, const std::string& stack_id, const std::vector<std::string>& ids,
                        std::string& failed);

  // Helpers (engine_state.cc). Those named *_locked need mutex_ held.
  std::shared_ptr<Stack> find_locked(const std::string& account, const std::string& name_or_id,
                                     bool include_deleted);
  void add_event_locked(Stack& stack, const std::string& logical_id, const std::string& physical_id,
                        const std::string& type, const std::string& status, const std::string& reason,
                        const boost::json::value& properties = nullptr);
  void set_stack_status_locked(Stack& stack, const std::string& status, const std::string& reason);
  void persist_locked(const Stack& stack);
  std::string account_of(const std::string& stack_id) const;
  std::optional<std::string> export_value_locked(const std::string& account, const std::string& name) const;
  void enqueue(std::function<void()> job);
  void worker_loop();
  void recover();
  double now() const;

  store::Store& store_;
  const Clock& clock_;
  EngineLookup engines_;
  std::unique_ptr<BucketOperations> buckets_;

  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<Stack>> stacks_;  // by stack id

  std::mutex jobs_mutex_;
  std::condition_variable jobs_changed_;
  std::deque<std::function<void()>> jobs_;
  bool busy_ = false;
  bool stopping_ = false;
  std::thread worker_;
};

}  // namespace fanout::services::cloudformation
