#include "store/insert_hint.h"

#include <rocksdb/slice.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/write_batch.h>

namespace fanout::store {

namespace {

class FixedLengthKeyPrefix final : public rocksdb::SliceTransform {
 public:
  FixedLengthKeyPrefix(std::size_t prefix_bytes, std::size_t key_bytes)
      : prefix_bytes_(prefix_bytes),
        key_bytes_(key_bytes),
        name_("fanout.FixedLengthKeyPrefix." + std::to_string(prefix_bytes) + "." +
              std::to_string(key_bytes)) {}
  const char* Name() const override { return name_.c_str(); }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override { return {key.data(), prefix_bytes_}; }
  bool InDomain(const rocksdb::Slice& key) const override { return key.size() == key_bytes_; }

 private:
  std::size_t prefix_bytes_;
  std::size_t key_bytes_;
  std::string name_;
};

}  // namespace

std::shared_ptr<const rocksdb::SliceTransform> make_insert_hint_extractor(std::size_t prefix_bytes,
                                                                          std::size_t key_bytes) {
  return std::make_shared<FixedLengthKeyPrefix>(prefix_bytes, key_bytes);
}

void range_delete_outside_hint_domain(rocksdb::WriteBatch& out, rocksdb::ColumnFamilyHandle* family,
                                      std::string_view begin, std::string_view end, std::size_t key_bytes) {
  // Appending to an in-memory WriteBatch fails only past its size limit (none is set).
  if (begin.size() != key_bytes) {
    out.DeleteRange(family, {begin.data(), begin.size()}, {end.data(), end.size()}).PermitUncheckedError();
    return;
  }
  out.Delete(family, {begin.data(), begin.size()}).PermitUncheckedError();
  std::string successor(begin);
  successor.push_back('\0');
  if (std::string_view(successor) < end) {
    out.DeleteRange(family, successor, {end.data(), end.size()}).PermitUncheckedError();
  }
}

}  // namespace fanout::store
