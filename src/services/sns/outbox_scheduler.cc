#include "services/sns/outbox_scheduler.h"

#include <algorithm>

namespace fanout::services::sns {

OutboxScheduler::OutboxScheduler(std::size_t max_in_flight, std::size_t max_per_subscription)
    : http_(max_in_flight, max_per_subscription), firehose_(max_in_flight, max_in_flight) {}

void OutboxScheduler::add(Ref ref, std::int64_t due_ms) {
  if (ref.kind == OutboxEntry::Kind::firehose && !sink_available_) {
    parked_.push_back(std::move(ref));
    return;
  }
  Queue& queue = queue_for(ref.kind);
  queue.add(std::move(ref), due_ms);
}

std::vector<OutboxScheduler::Ref> OutboxScheduler::take_due(std::int64_t now_ms) {
  std::vector<Ref> ready;
  http_.take_due(now_ms, ready);
  if (sink_available_) firehose_.take_due(now_ms, ready);
  return ready;
}

void OutboxScheduler::finished(const Ref& ref) { queue_for(ref.kind).finished(ref.subscription); }

void OutboxScheduler::set_sink_available(bool available) {
  sink_available_ = available;
  if (!available) return;
  for (Ref& ref : parked_) firehose_.add(std::move(ref), 0);
  parked_.clear();
}

void OutboxScheduler::clear() {
  http_.clear();
  firehose_.clear();
  parked_.clear();
}

std::size_t OutboxScheduler::size() const { return http_.size() + firehose_.size() + parked_.size(); }

OutboxScheduler::Queue::Queue(std::size_t max_in_flight, std::size_t max_per_subscription)
    : max_in_flight_(std::max<std::size_t>(1, max_in_flight)),
      max_per_subscription_(std::max<std::size_t>(1, max_per_subscription)) {}

void OutboxScheduler::Queue::take_due(std::int64_t now_ms, std::vector<Ref>& ready) {
  while (in_flight_ < max_in_flight_ && !due_.empty() && due_.begin()->first <= now_ms) {
    auto node = due_.extract(due_.begin());
    Lane& lane = lanes_[node.mapped().subscription];
    if (lane.in_flight >= max_per_subscription_) {
      lane.held.emplace_back(node.key(), std::move(node.mapped()));
      ++held_;
      continue;
    }
    ++lane.in_flight;
    ++in_flight_;
    ready.push_back(std::move(node.mapped()));
  }
}

void OutboxScheduler::Queue::finished(const std::string& subscription) {
  if (in_flight_ > 0) --in_flight_;
  auto it = lanes_.find(subscription);
  if (it == lanes_.end()) return;
  Lane& lane = it->second;
  if (lane.in_flight > 0) --lane.in_flight;
  if (!lane.held.empty()) {
    // The next of this subscription's deliveries goes back among the due ones, at its due time.
    auto [due_ms, ref] = std::move(lane.held.front());
    lane.held.pop_front();
    --held_;
    due_.emplace(due_ms, std::move(ref));
  }
  if (lane.in_flight == 0 && lane.held.empty()) lanes_.erase(it);
}

void OutboxScheduler::Queue::clear() {
  due_.clear();
  for (auto it = lanes_.begin(); it != lanes_.end();) {
    it->second.held.clear();
    it = it->second.in_flight == 0 ? lanes_.erase(it) : std::next(it);
  }
  held_ = 0;
}

}  // namespace fanout::services::sns
