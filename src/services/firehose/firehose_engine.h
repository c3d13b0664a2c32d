// The Firehose engine: every operation of the Firehose API (json 1.1, through invoke()) for
// DirectPut streams with S3 destinations, and the delivery pipeline behind them.
//
// Durability: PutRecord / PutRecordBatch answer once their records are committed to the store
// (one write batch per call, group-committed). Records stay in the store until the object that
// holds them is written to the destination, so a restart (even after kill -9) delivers every
// acknowledged record: at least once, as on AWS.
//
// Delivery: records collect in per-stream buffers (one per partition with dynamic
// partitioning); a buffer is cut into an object when it reaches SizeInMBs or when its oldest
// record is IntervalInSeconds old (timers on the shared TimerQueue). Objects of one stream are
// written one at a time, in order, by a small pool of delivery threads that also compress, so
// request threads never do. A failing destination is retried with exponential backoff; the
// failure shows in DescribeDeliveryStream's FailureDescription until a write succeeds.
//
// Concurrency: invoke() may run on any number of threads. The stream registry sits behind a
// shared mutex; each stream's buffers behind its own mutex.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "common/clock.h"
#include "common/timer_queue.h"
#include "protocol/operation.h"
#include "store/store.h"

namespace fanout::services::firehose {

class ObjectDestination;

struct FirehoseOptions {
  std::size_t delivery_threads = 2;
  std::int64_t activation_delay_ms = 1000;  // CREATING → ACTIVE
  std::int64_t retry_base_ms = 1000;        // first retry of a failed object write; doubles up to max
  std::int64_t retry_max_ms = 30'000;
  std::int64_t retry_window_ms = 24LL * 3600 * 1000;  // then the object's records are dropped, as on AWS
  // Records held (buffered or waiting for the destination) per stream before puts are throttled
  // with ServiceUnavailableException.
  std::size_t max_held_bytes_per_stream = 1ULL << 30;
  std::size_t max_streams_per_account = 5000;
};

// The outcome of a put from another engine (SNS).
struct ServicePutResult {
  enum class Outcome { delivered, retry, rejected };
  Outcome outcome = Outcome::delivered;
  std::string error;
};

class FirehoseEngine final : public protocol::ServiceEngine {
 public:
  FirehoseEngine(store::Store& store, const Clock& clock, TimerQueue& timers, std::string region,
                 const FirehoseOptions& options = {});
  ~FirehoseEngine() override;
  FirehoseEngine(const FirehoseEngine&) = delete;
  FirehoseEngine& operator=(const FirehoseEngine&) = delete;

  static std::vector<std::string> column_families();

  // The records family, keyed by stream id and a growing seq (store::Options::sequenced_families).
  static std::vector<store::Options::SequencedKeys> sequenced_families();

  void invoke(const protocol::RequestContext& context, const std::string& operation,
              boost::json::object input, protocol::Completion done) override;

  // Buckets of this server (the S3 engine); null until one is set.
  void set_local_destination(ObjectDestination* destination);
  // Buckets elsewhere: `bucket` is a bucket name, or "*" for every bucket not named explicitly.
  void add_remote_destination(const std::string& bucket, std::shared_ptr<ObjectDestination> destination);

  // One record into the stream `stream_arn` on behalf of another service (SNS subscriptions).
  void put_service_record(const std::string& stream_arn, const std::string& role_arn, std::string data,
                          std::function<void(ServicePutResult)> done);
  // The same record written into the caller's `batch` instead of a batch of its own, when the
  // stream takes it now; the returned function must be called once with whether that batch
  // committed (sns::FirehoseSink::stage_record). An empty function, and `batch` unchanged, when
  // put_service_record() must decide (no such stream, not ACTIVE, throttled, too large).
  std::function<void(bool committed)> stage_service_record(const std::string& stream_arn,
                                                           const std::string& role_arn, std::string_view data,
                                                           store::Batch& batch);

  // Cuts every buffer whose interval has passed by the engine's clock (timers call this; tests
  // with a ManualClock call it after moving the clock).
  void flush_due();
  // Blocks until no object is being written or waiting to be (tests, benchmarks).
  bool wait_idle(std::int64_t timeout_ms);

  void stop();
  void reset();
  std::string prometheus_metrics() const;

  // What DescribeDeliveryStream cannot tell, for the console (engine_activity.cc): the buffers'
  // fill against the hints and the objects written. nullopt when the stream does not exist.
  struct StreamActivity {
    std::size_t buffered_bytes = 0;
    std::size_t buffered_records = 0;
    std::int64_t oldest_record_ms = 0;  // arrival of the oldest buffered record, 0 when empty
    std::size_t objects_waiting = 0;    // cut, not yet written (includes one being written)
    std::uint64_t objects_delivered = 0;
    std::uint64_t delivery_failures = 0;  // failed attempts (each is retried)
    std::string last_failure;             // empty while delivering fine
  };
  std::optional<StreamActivity> stream_activity(const std::string& account, const std::string& name) const;

  struct Stream;
  struct Record;
  struct Job;
  struct Lifeline;

 private:
  using Context = protocol::RequestContext;
  using Input = boost::json::object;
  using Completion = protocol::Completion;
  using Handler = void (FirehoseEngine::*)(const Context&, const Input&, Completion&);

  static const std::map<std::string, Handler, std::less<>>& handlers();
  std::int64_t now() const { return clock_.now_ms(); }
  std::shared_ptr<Stream> find_stream(const std::string& account, const std::string& name) const;
  std::shared_ptr<Stream> require_stream(const Context& context, const Input& input) const;
  TimerQueue::TimerId schedule(std::int64_t delay_ms, std::function<void()> fn);

  // --- streams (engine_streams.cc) ---
  void create_delivery_stream(const Context&, const Input&, Completion&);
  void delete_delivery_stream(const Context&, const Input&, Completion&);
  void describe_delivery_stream(const Context&, const Input&, Completion&);
  void list_delivery_streams(const Context&, const Input&, Completion&);
  void update_destination(const Context&, const Input&, Completion&);
  void tag_delivery_stream(const Context&, const Input&, Completion&);
  void untag_delivery_stream(const Context&, const Input&, Completion&);
  void list_tags_for_delivery_stream(const Context&, const Input&, Completion&);
  void start_encryption(const Context&, const Input&, Completion&);
  void stop_encryption(const Context&, const Input&, Completion&);
  // Persists a changed configuration and answers once durable.
  void save_config(const std::shared_ptr<Stream>& stream, Completion done, boost::json::object result = {});

  // --- puts (engine_put.cc) ---
  void put_record(const Context&, const Input&, Completion&);
  void put_record_batch(const Context&, const Input&, Completion&);
  // Makes `records` durable and buffers them; done(first record id) or a ServiceError.
  void append_records(
      const std::shared_ptr<Stream>& stream, std::vector<std::string> records,
      std::function<void(std::variant<std::vector<std::string>, protocol::ServiceError>)> done);
  // The stream a service record for `stream_arn` goes to, or why it cannot (AWS's error text).
  std::variant<std::shared_ptr<Stream>, std::string> service_stream(const std::string& stream_arn,
                                                                    const std::string& role_arn,
                                                                    std::size_t bytes) const;
  // Once the batch holding `records` is durable: they join their buffers, which may cut objects.
  void buffer_committed(const std::shared_ptr<Stream>& stream, std::vector<Record>& records);

  // --- delivery (engine_delivery.cc) ---
  void buffer_records_locked(Stream& stream, std::vector<Record>& records);
  void cut_due_locked(Stream& stream, std::int64_t now_ms);
  // When the oldest buffered partition reaches the buffering interval (ms), or 0 if none is buffered.
  static std::int64_t next_interval_due_locked(const Stream& stream);
  void arm_timer_locked(const std::shared_ptr<Stream>& stream, std::int64_t due_ms);
  void on_timer(const std::shared_ptr<Stream>& stream);
  void pump_locked(const std::shared_ptr<Stream>& stream);
  void submit(std::shared_ptr<Stream> stream, std::shared_ptr<Job> job);
  void deliver(const std::shared_ptr<Stream>& stream, const std::shared_ptr<Job>& job);
  void delivered(const std::shared_ptr<Stream>& stream, const std::shared_ptr<Job>& job);
  void delivery_failed(const std::shared_ptr<Stream>& stream, const std::shared_ptr<Job>& job,
                       const std::string& error);
  ObjectDestination* destination_for(const std::string& bucket) const;
  void worker_loop();

  // --- recovery (firehose_engine.cc) ---
  void recover();

  store::Store& store_;
  const Clock& clock_;
  TimerQueue& timers_;
  std::string region_;
  FirehoseOptions options_;
  std::shared_ptr<Lifeline> life_;
  std::atomic<bool> stopped_{false};

  mutable std::shared_mutex mutex_;                         // the registry
  std::map<std::string, std::shared_ptr<Stream>> streams_;  // "<account>/<name>"

  mutable std::mutex destinations_mutex_;
  ObjectDestination* local_ = nullptr;
  std::map<std::string, std::shared_ptr<ObjectDestination>> remote_;

  // Delivery workers.
  std::mutex work_mutex_;
  std::condition_variable work_ready_;
  std::condition_variable work_idle_;
  std::deque<std::pair<std::shared_ptr<Stream>, std::shared_ptr<Job>>> work_;
  std::size_t jobs_outstanding_ = 0;  // queued, in a worker, or waiting for a retry
  bool workers_stopping_ = false;
  std::vector<std::thread> workers_;

  std::atomic<std::uint64_t> records_in_{0};
  std::atomic<std::uint64_t> objects_out_{0};
  std::atomic<std::uint64_t> delivery_failures_{0};
};

}  // namespace fanout::services::firehose
