#include "services/sqs/message_index.h"

#include <algorithm>

namespace fanout::services::sqs {

std::uint32_t MessageIndex::group_for(const std::string& name) {
  auto it = group_ids_.find(name);
  if (it != group_ids_.end()) return it->second;
  std::uint32_t g;
  if (!free_groups_.empty()) {
    g = free_groups_.back();
    free_groups_.pop_back();
  } else {
    g = static_cast<std::uint32_t>(groups_.size());
    groups_.emplace_back();
  }
  groups_[g] = Group{};
  groups_[g].name = name;
  group_ids_.emplace(name, g);
  return g;
}

void MessageIndex::refresh_group(std::uint32_t g) {
  Group& group = groups_[g];
  while (!group.seqs.empty() && !messages_.contains(group.seqs.front())) group.seqs.pop_front();
  if (group.listed) {
    available_.erase({group.listed_front, g});
    group.listed = false;
  }
  if (group.seqs.empty() && group.inflight == 0) {
    group_ids_.erase(group.name);
    group = Group{};
    free_groups_.push_back(g);
    return;
  }
  if (group.inflight == 0 && !group.seqs.empty()) {
    const auto& front = messages_.at(group.seqs.front());
    if (front.state() == MessageState::ready) {
      available_.insert({group.seqs.front(), g});
      group.listed = true;
      group.listed_front = group.seqs.front();
    }
  }
}

void MessageIndex::become_ready(std::uint64_t seq, IndexedMessage& message) {
  message.set_state(MessageState::ready);
  ++ready_;
  if (fifo_) {
    refresh_group(message.group());
  } else if (fresh_.empty() || seq > fresh_.back()) {
    fresh_.push_back(seq);
  } else {
    returned_.insert(seq);
  }
}

void MessageIndex::insert(std::uint64_t seq, const MessageMeta& meta, std::int64_t now) {
  if (messages_.contains(seq)) return;
  IndexedMessage message;
  message.retention_basis_s = static_cast<std::uint32_t>((meta.retention_basis_ms + 999) / 1000);
  message.last_receive_s = static_cast<std::uint32_t>(meta.last_receive_ms / 1000);
  message.visible_at_ms = meta.visible_at_ms;
  message.first_receive_ms = meta.first_receive_ms;
  message.receive_count = meta.receive_count;
  std::uint32_t g = 0;
  if (fifo_) {
    g = group_for(meta.group_id);
    auto& seqs = groups_[g].seqs;
    if (seqs.empty() || seqs.back() < seq) {
      seqs.push_back(seq);
    } else {
      seqs.insert(std::upper_bound(seqs.begin(), seqs.end(), seq), seq);
    }
  }
  message.group_and_state = g << 2;
  IndexedMessage& stored = messages_.emplace_hint(messages_.end(), seq, message)->second;
  if (meta.visible_at_ms > now) {
    const bool inflight = meta.receive_count > 0;
    stored.set_state(inflight ? MessageState::inflight : MessageState::delayed);
    timed_.insert({meta.visible_at_ms, seq});
    if (inflight) {
      ++inflight_;
      if (fifo_) ++groups_[g].inflight;
    } else {
      ++delayed_;
    }
    if (fifo_) refresh_group(g);
  } else {
    become_ready(seq, stored);
  }
}

const IndexedMessage* MessageIndex::find(std::uint64_t seq) const {
  auto it = messages_.find(seq);
  return it == messages_.end() ? nullptr : &it->second;
}

std::string_view MessageIndex::group_name(const IndexedMessage& message) const {
  return fifo_ ? std::string_view(groups_[message.group()].name) : std::string_view();
}

MessageMeta MessageIndex::meta_of(std::uint64_t, const IndexedMessage& message) const {
  MessageMeta meta;
  meta.retention_basis_ms = message.retention_basis_ms();
  meta.last_receive_ms = message.last_receive_ms();
  meta.visible_at_ms = message.visible_at_ms;
  meta.first_receive_ms = message.first_receive_ms;
  meta.receive_count = message.receive_count;
  meta.group_id = std::string(group_name(message));
  return meta;
}

void MessageIndex::promote(std::int64_t now) {
  while (!timed_.empty() && timed_.begin()->first <= now) {
    auto seq = timed_.begin()->second;
    timed_.erase(timed_.begin());
    auto& message = messages_.at(seq);
    if (message.state() == MessageState::inflight) {
      --inflight_;
      if (fifo_) --groups_[message.group()].inflight;
    } else {
      --delayed_;
    }
    become_ready(seq, message);
  }
}

void MessageIndex::deliver(std::uint64_t seq, IndexedMessage& message, std::int64_t now,
                           std::int64_t visible_until) {
  message.set_state(MessageState::inflight);
  message.receive_count += 1;
  if (message.first_receive_ms == 0) message.first_receive_ms = now;
  message.last_receive_s = static_cast<std::uint32_t>(now / 1000);
  message.visible_at_ms = visible_until;
  timed_.insert({visible_until, seq});
  --ready_;
  ++inflight_;
  if (fifo_) ++groups_[message.group()].inflight;
}

void MessageIndex::receive(std::size_t max, std::int64_t now, std::int64_t visible_until,
                           const Decide& decide) {
  if (fifo_) {
    receive_fifo(max, now, visible_until, decide);
  } else {
    receive_standard(max, now, visible_until, decide);
  }
}

void MessageIndex::receive_standard(std::size_t max, std::int64_t now, std::int64_t visible_until,
                                    const Decide& decide) {
  std::size_t delivered = 0;
  while (delivered < max) {
    while (!fresh_.empty()) {
      auto it = messages_.find(fresh_.front());
      if (it != messages_.end() && it->second.state() == MessageState::ready) break;
      fresh_.pop_front();
    }
    const bool from_fresh = !fresh_.empty() && (returned_.empty() || fresh_.front() < *returned_.begin());
    if (!from_fresh && returned_.empty()) return;
    const std::uint64_t seq = from_fresh ? fresh_.front() : *returned_.begin();
    auto it = messages_.find(seq);
    if (it == messages_.end()) {  // cannot happen for returned_, but never loop on it
      if (!from_fresh) returned_.erase(returned_.begin());
      continue;
    }
    const Pick pick = decide(seq, it->second);
    if (pick == Pick::stop) return;
    if (from_fresh) {
      fresh_.pop_front();
    } else {
      returned_.erase(returned_.begin());
    }
    if (pick == Pick::deliver) {
      deliver(seq, it->second, now, visible_until);
      ++delivered;
    } else {
      --ready_;
      messages_.erase(it);
    }
  }
}

void MessageIndex::receive_fifo(std::size_t max, std::int64_t now, std::int64_t visible_until,
                                const Decide& decide) {
  std::size_t delivered = 0;
  while (delivered < max && !available_.empty()) {
    const auto [front, g] = *available_.begin();
    bool stop = false;
    bool progressed = false;
    // Walk the group from its front while messages are ready; indices stay valid because
    // nothing below removes deque entries (dropped messages become stale entries).
    auto& seqs = groups_[g].seqs;
    for (std::size_t i = 0; i < seqs.size() && delivered < max; ++i) {
      auto it = messages_.find(seqs[i]);
      if (it == messages_.end()) continue;
      if (it->second.state() != MessageState::ready) break;
      const Pick pick = decide(seqs[i], it->second);
      if (pick == Pick::stop) {
        stop = true;
        break;
      }
      progressed = true;
      if (pick == Pick::deliver) {
        deliver(seqs[i], it->second, now, visible_until);
        ++delivered;
      } else {
        --ready_;
        messages_.erase(it);
      }
    }
    refresh_group(g);
    if (stop || !progressed) return;
  }
}

bool MessageIndex::change_visibility(std::uint64_t seq, std::int64_t visible_at, std::int64_t now) {
  auto it = messages_.find(seq);
  if (it == messages_.end() || it->second.state() != MessageState::inflight) return false;
  auto& message = it->second;
  timed_.erase({message.visible_at_ms, seq});
  message.visible_at_ms = visible_at;
  if (visible_at > now) {
    timed_.insert({visible_at, seq});
    return true;
  }
  --inflight_;
  if (fifo_) --groups_[message.group()].inflight;
  become_ready(seq, message);
  return true;
}

bool MessageIndex::erase(std::uint64_t seq) {
  auto it = messages_.find(seq);
  if (it == messages_.end()) return false;
  auto& message = it->second;
  const std::uint32_t g = message.group();
  switch (message.state()) {
    case MessageState::ready:
      --ready_;
      if (!fifo_) returned_.erase(seq);  // a fresh_ entry goes stale
      break;
    case MessageState::delayed:
      --delayed_;
      timed_.erase({message.visible_at_ms, seq});
      break;
    case MessageState::inflight:
      --inflight_;
      timed_.erase({message.visible_at_ms, seq});
      if (fifo_) --groups_[g].inflight;
      break;
  }
  messages_.erase(it);
  if (fifo_) refresh_group(g);
  return true;
}

void MessageIndex::expire(std::int64_t cutoff_ms, std::vector<std::uint64_t>& removed) {
  while (!messages_.empty() && messages_.begin()->second.retention_basis_ms() <= cutoff_ms) {
    auto seq = messages_.begin()->first;
    removed.push_back(seq);
    erase(seq);
  }
}

void MessageIndex::clear() {
  messages_.clear();
  timed_.clear();
  fresh_.clear();
  returned_.clear();
  groups_.assign(1, Group{});
  free_groups_.clear();
  group_ids_.clear();
  available_.clear();
  ready_ = delayed_ = inflight_ = 0;
}

std::optional<std::int64_t> MessageIndex::next_due() const {
  if (timed_.empty()) return std::nullopt;
  return timed_.begin()->first;
}

}  // namespace fanout::services::sqs
