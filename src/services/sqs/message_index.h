// One queue's in-memory index: per message only small fixed data (no body), organised so that
// receive, delete, visibility changes and timer promotion are all O(log n).
//
//  - messages_: seq → IndexedMessage (32 bytes), ordered by seq, i.e. by send order;
//  - timed_: (visible_at, seq) of every delayed or in-flight message, earliest first;
//  - standard queues: ready messages in fresh_ (a deque of seqs, appended in send order — the
//    common case costs 8 bytes per message) or returned_ (a set, for messages that became ready
//    out of order, e.g. after a visibility timeout);
//  - FIFO queues: per MessageGroupId a deque of its seqs in order and its in-flight count;
//    available_ holds the groups that can deliver now (nothing in flight, first message ready),
//    ordered by their first message, so the oldest group is served first.
// Deleted messages may linger as stale seqs in fresh_ or a group deque; they are skipped and
// dropped lazily. Not thread-safe: the owning queue's mutex guards it.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "services/sqs/message_record.h"

namespace fanout::services::sqs {

enum class MessageState : std::uint8_t { ready = 0, delayed = 1, inflight = 2 };

struct IndexedMessage {
  std::int64_t visible_at_ms = 0;
  std::int64_t first_receive_ms = 0;
  std::uint32_t retention_basis_s = 0;  // seconds since the epoch, rounded up
  std::uint32_t last_receive_s = 0;     // seconds since the epoch, rounded down; 0 = never
  std::uint32_t receive_count = 0;
  std::uint32_t group_and_state = 0;  // group index << 2 | state

  std::int64_t retention_basis_ms() const { return static_cast<std::int64_t>(retention_basis_s) * 1000; }
  std::int64_t last_receive_ms() const { return static_cast<std::int64_t>(last_receive_s) * 1000; }
  MessageState state() const { return static_cast<MessageState>(group_and_state & 3u); }
  std::uint32_t group() const { return group_and_state >> 2; }
  void set_state(MessageState s) {
    group_and_state = (group_and_state & ~3u) | static_cast<std::uint32_t>(s);
  }
};
static_assert(sizeof(IndexedMessage) == 32);

class MessageIndex {
 public:
  enum class Pick { deliver, drop, stop };
  using Decide = std::function<Pick(std::uint64_t seq, const IndexedMessage& message)>;

  explicit MessageIndex(bool fifo) : fifo_(fifo) {}

  // Adds a message (seqs may arrive out of order). Its state follows from meta and now:
  // visible later → delayed (never received) or in flight (received before).
  void insert(std::uint64_t seq, const MessageMeta& meta, std::int64_t now);
  const IndexedMessage* find(std::uint64_t seq) const;
  // The persistent form of a message's state.
  MessageMeta meta_of(std::uint64_t seq, const IndexedMessage& message) const;
  std::string_view group_name(const IndexedMessage& message) const;

  // Delayed and in-flight messages whose time has come become ready.
  void promote(std::int64_t now);

  // Offers ready messages in delivery order until `max` were delivered, `decide` says stop, or
  // none is left. deliver: in flight until visible_until, receive count + 1, first receive time
  // set. drop: removed from the index. FIFO: a group is offered only while none of its messages
  // is in flight, and a delivered message locks it for the rest of the walk except for the
  // messages that follow it in the same walk. `decide` must not touch the index.
  void receive(std::size_t max, std::int64_t now, std::int64_t visible_until, const Decide& decide);

  // In flight → visible at `visible_at` (ready now when <= now). False if not in flight.
  bool change_visibility(std::uint64_t seq, std::int64_t visible_at, std::int64_t now);
  // Removes a message; false when it is not indexed.
  bool erase(std::uint64_t seq);
  // Removes messages whose retention basis is <= cutoff, oldest seq first, stopping at the first
  // younger one; appends their seqs.
  void expire(std::int64_t cutoff_ms, std::vector<std::uint64_t>& removed);
  void clear();

  // Something can be received now (call promote first).
  bool has_receivable() const { return fifo_ ? !available_.empty() : ready_ > 0; }
  std::optional<std::int64_t> next_due() const;
  std::size_t size() const { return messages_.size(); }
  std::size_t ready_count() const { return ready_; }
  std::size_t delayed_count() const { return delayed_; }
  std::size_t inflight_count() const { return inflight_; }
  // The earliest-sent message still indexed (the console's oldest message age).
  const IndexedMessage* oldest() const { return messages_.empty() ? nullptr : &messages_.begin()->second; }
  template <class F>
  void for_each(F&& visit) const {
    for (const auto& [seq, message] : messages_) visit(seq, message);
  }

 private:
  struct Group {
    std::string name;
    std::deque<std::uint64_t> seqs;
    std::uint32_t inflight = 0;
    bool listed = false;
    std::uint64_t listed_front = 0;
  };

  std::uint32_t group_for(const std::string& name);
  void refresh_group(std::uint32_t g);
  void become_ready(std::uint64_t seq, IndexedMessage& message);
  void receive_standard(std::size_t max, std::int64_t now, std::int64_t visible_until, const Decide& decide);
  void receive_fifo(std::size_t max, std::int64_t now, std::int64_t visible_until, const Decide& decide);
  void deliver(std::uint64_t seq, IndexedMessage& message, std::int64_t now, std::int64_t visible_until);

  const bool fifo_;
  std::map<std::uint64_t, IndexedMessage> messages_;
  std::set<std::pair<std::int64_t, std::uint64_t>> timed_;
  std::deque<std::uint64_t> fresh_;
  std::set<std::uint64_t> returned_;
  std::vector<Group> groups_{Group{}};  // index 0: no group
  std::vector<std::uint32_t> free_groups_;
  std::unordered_map<std::string, std::uint32_t> group_ids_;
  std::set<std::pair<std::uint64_t, std::uint32_t>> available_;
  std::size_t ready_ = 0, delayed_ = 0, inflight_ = 0;
};

}  // namespace fanout::services::sqs
