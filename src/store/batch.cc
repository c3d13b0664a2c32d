#include <memory>
#include <string>
#include <string_view>

#include "store/batch_impl.h"
#include "store/store.h"

namespace fanout::store {

Batch::Batch() : impl_(std::make_unique<Impl>()) {}
Batch::~Batch() = default;
Batch::Batch(Batch&&) noexcept = default;
Batch& Batch::operator=(Batch&&) noexcept = default;

// A moved-from batch is reusable: the mutators recreate its state on first use.

void Batch::put(std::string_view cf, std::string_view key, std::string_view value) {
  if (!impl_) impl_ = std::make_unique<Impl>();
  impl_->add(BatchOp::Kind::put, cf, key, value);
}

void Batch::erase(std::string_view cf, std::string_view key) {
  if (!impl_) impl_ = std::make_unique<Impl>();
  impl_->add(BatchOp::Kind::erase, cf, key, {});
}

void Batch::erase_range(std::string_view cf, std::string_view begin, std::string_view end) {
  // An empty or inverted range deletes nothing. RocksDB rejects an inverted range for the whole
  // write, and the group committer merges many batches into one write, so one caller's bad range
  // would fail everybody's commits.
  if (begin >= end) return;
  if (!impl_) impl_ = std::make_unique<Impl>();
  impl_->add(BatchOp::Kind::erase_range, cf, begin, end);
}

bool Batch::empty() const { return !impl_ || impl_->ops.empty(); }

void Batch::acknowledge_when_written() {
  if (!impl_) impl_ = std::make_unique<Impl>();
  impl_->acknowledge_when_written = true;
}

bool Batch::acknowledged_when_written() const { return impl_ && impl_->acknowledge_when_written; }

std::size_t Batch::size_bytes() const { return impl_ ? impl_->data.size() : 0; }

}  // namespace fanout::store
