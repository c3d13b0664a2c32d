// Objects: commit of staged bodies, reads, deletes, copies and listings.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/post.hpp>

#include "services/s3/checksums.h"
#include "services/s3/engine_internal.h"
#include "services/s3/file_ops.h"
#include "services/s3/key_path.h"
#include "services/s3/s3_error.h"

namespace fanout::services::s3 {

using protocol::ServiceError;

namespace {

// True when `rel` cannot be used under `dir`: a parent component exists as a file, or the
// path itself is a directory (object "a" next to object "a/b").
bool path_clashes(const std::string& dir, const std::string& rel) {
  std::size_t pos = 0;
  struct stat st {};
  while ((pos = rel.find('/', pos)) != std::string::npos) {
    std::string prefix = dir + "/" + rel.substr(0, pos);
    if (::lstat(prefix.c_str(), &st) == 0 && !S_ISDIR(st.st_mode)) return true;
    ++pos;
  }
  std::string full = dir + "/" + rel;
  return ::lstat(full.c_str(), &st) == 0 && !S_ISREG(st.st_mode);
}

std::int64_t mtime_ns(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0;
  return static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

// Completes once both the directory fsync and the metadata commit are done.
struct PendingCommit {
  std::atomic<int> remaining{2};
  std::mutex mu;
  std::optional<ServiceError> error;
  ObjectMeta meta;
  std::function<void(Outcome<ObjectMeta>)> done;

  void fail(ServiceError e) {
    std::lock_guard lock(mu);
    if (!error) error = std::move(e);
  }
  void arrive() {
    if (--remaining != 0) return;
    if (error) return done(*error);
    done(std::move(meta));
  }
};

}  // namespace

void S3Engine::Impl::commit_object(const std::string& account, const std::string& bucket,
                                   const std::string& key, const std::string& temp_path, ObjectMeta meta,
                                   std::function<void(Outcome<ObjectMeta>)> done) {
  if (sync_files) {
    if (auto err = fsync_file(temp_path); !err.empty()) {
      ::unlink(temp_path.c_str());
      return done(errors::internal(err));
    }
  }
  auto pending = std::make_shared<PendingCommit>();
  pending->done = std::move(done);
  std::string parent;
  {
    std::lock_guard lock(mu);
    ServiceError error;
    auto* b = find_bucket(account, bucket, error);
    if (!b) {
      ::unlink(temp_path.c_str());
      return pending->done(error);
    }
    std::string dir = bucket_dir(*b);
    auto natural = natural_path(key);
    std::string rel = natural && !path_clashes(dir, *natural) ? *natural : escaped_path(key);
    std::string full = dir + "/" + rel;
    parent = parent_of(full);
    if (auto err = make_dirs(parent); !err.empty()) {
      ::unlink(temp_path.c_str());
      return pending->done(errors::internal(err));
    }
    if (::rename(temp_path.c_str(), full.c_str()) != 0) {
      ::unlink(temp_path.c_str());
      return pending->done(errors::internal("rename into place failed"));
    }
    if (auto old = b->objects.find(key); old != b->objects.end() && old->second.path != rel) {
      std::string old_full = dir + "/" + old->second.path;
      ::unlink(old_full.c_str());
      remove_empty_parents(parent_of(old_full), dir);
    }
    meta.key = key;
    meta.path = rel;
    meta.last_modified_ms = clock.now_ms();
    meta.file_mtime_ns = mtime_ns(full);
    b->objects[key] = meta;
    pending->meta = meta;
    store::Batch batch;
    batch.put(kObjectsCf, object_key(bucket, key), encode_object_meta(meta));
    // Under the lock, so the store sees a key's writes in the order the renames happened.
    store.commit(std::move(batch), [pending](const store::Status& status) {
      if (!status.ok) pending->fail(errors::internal(status.message));
      pending->arrive();
    });
  }
  if (sync_files) {
    if (auto err = fsync_dir(parent); !err.empty()) pending->fail(errors::internal(err));
  }
  pending->arrive();
}

void S3Engine::put_object(const std::string& account_id, const std::string& bucket, const std::string& key,
                          StagedBody body, ObjectAttributes attributes,
                          std::function<void(Outcome<ObjectMeta>)> done) {
  auto& im = *impl_;
  ++im.puts;
  ObjectMeta meta;
  meta.size = body.size;
  meta.etag = quoted_md5_etag(body.md5);
  meta.checksums = std::move(body.checksums);
  meta.attributes = std::move(attributes);
  boost::asio::post(im.pool, [&im, account_id, bucket, key, temp = std::move(body.temp_path),
                              meta = std::move(meta), done = std::move(done)]() mutable {
    im.commit_object(account_id, bucket, key, temp, std::move(meta), std::move(done));
  });
}

Outcome<ObjectMeta> S3Engine::head_object(const std::string& account_id, const std::string& bucket,
                                          const std::string& key) const {
  std::lock_guard lock(impl_->mu);
  ServiceError error;
  auto* b = impl_->find_bucket(account_id, bucket, error);
  if (!b) return error;
  auto it = b->objects.find(key);
  if (it == b->objects.end()) return errors::no_such_key();
  ++impl_->gets;
  return it->second;
}

std::string S3Engine::object_file(const std::string& account_id, const std::string& bucket,
                                  const ObjectMeta& meta) const {
  return impl_->root + "/" + account_id + "/" + bucket + "/" + meta.path;
}

std::optional<ServiceError> S3Engine::delete_object(const std::string& account_id, const std::string& bucket,
                                                    const std::string& key) {
  auto& im = *impl_;
  store::Batch batch;
  {
    std::lock_guard lock(im.mu);
    ServiceError error;
    auto* b = im.find_bucket(account_id, bucket, error);
    if (!b) return error;
    auto it = b->objects.find(key);
    if (it == b->objects.end()) return std::nullopt;
    std::string dir = im.bucket_dir(*b);
    std::string full = dir + "/" + it->second.path;
    ::unlink(full.c_str());
    remove_empty_parents(parent_of(full), dir);
    b->objects.erase(it);
    batch.erase(kObjectsCf, Impl::object_key(bucket, key));
  }
  if (auto status = im.store.write(std::move(batch)); !status.ok) return errors::internal(status.message);
  return std::nullopt;
}

void S3Engine::copy_object(const std::string& account_id, const std::string& src_bucket,
                           const std::string& src_key, const std::string& dst_bucket,
                           const std::string& dst_key, bool replace_metadata, ObjectAttributes attributes,
                           std::function<void(Outcome<ObjectMeta>)> done) {
  auto& im = *impl_;
  boost::asio::post(
      im.pool, [this, &im, account_id, src_bucket, src_key, dst_bucket, dst_key, replace_metadata,
                attributes = std::move(attributes), done = std::move(done)]() mutable {
        auto source = head_object(account_id, src_bucket, src_key);
        if (auto* err = std::get_if<ServiceError>(&source)) return done(*err);
        auto& src = std::get<ObjectMeta>(source);
        if (auto err = check_bucket(account_id, dst_bucket)) return done(*err);
        std::string temp = im.temp_path();
        auto md5 = Digest::make("MD5");
        {
          UniqueFd out(::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
          std::string err = out ? copy_range(object_file(account_id, src_bucket, src), 0, src.size, out.get(),
                                             [&](const char* d, std::size_t n) { md5->update(d, n); })
                                : std::string("cannot create temp file");
          if (!err.empty()) {
            ::unlink(temp.c_str());
            return done(errors::internal(err));
          }
        }
        ObjectMeta meta;
        meta.size = src.size;
        meta.etag = quoted_md5_etag(md5->result());
        meta.checksums = src.checksums;
        if (replace_metadata) {
          meta.attributes = std::move(attributes);
        } else {
          // x-amz-metadata-directive COPY keeps the source's attributes and, as the default tagging
          // directive COPY does, its tags.
          meta.attributes = src.attributes;
          meta.attributes.checksum_algorithm.clear();
        }
        im.commit_object(account_id, dst_bucket, dst_key, temp, std::move(meta), std::move(done));
      });
}

Outcome<ListResult> S3Engine::list_objects(const std::string& account_id, const std::string& bucket,
                                           const ListQuery& query) const {
  std::lock_guard lock(impl_->mu);
  ServiceError error;
  auto* b = impl_->find_bucket(account_id, bucket, error);
  if (!b) return error;
  ListResult result;
  const auto& objects = b->objects;
  auto it = query.start_after >= query.prefix ? objects.upper_bound(query.start_after)
                                              : objects.lower_bound(query.prefix);
  int count = 0;
  while (it != objects.end() && it->first.starts_with(query.prefix)) {
    const std::string& key = it->first;
    if (!query.delimiter.empty()) {
      auto found = key.find(query.delimiter, query.prefix.size());
      if (found != std::string::npos) {
        std::string common = key.substr(0, found + query.delimiter.size());
        if (common > query.start_after) {
          if (count == query.max_keys) {
            result.truncated = true;
            break;
          }
          result.common_prefixes.push_back(common);
          result.next_marker = common;
          ++count;
        }
        while (it != objects.end() && it->first.starts_with(common)) ++it;
        continue;
      }
    }
    if (count == query.max_keys) {
      result.truncated = true;
      break;
    }
    result.objects.push_back(it->second);
    result.next_marker = key;
    ++count;
    ++it;
  }
  return result;
}

std::optional<ServiceError> S3Engine::put_object_tagging(const std::string& account_id,
                                                         const std::string& bucket, const std::string& key,
                                                         Tags tags) {
  auto& im = *impl_;
  store::Batch batch;
  {
    std::lock_guard lock(im.mu);
    ServiceError error;
    auto* b = im.find_bucket(account_id, bucket, error);
    if (!b) return error;
    auto it = b->objects.find(key);
    if (it == b->objects.end()) return errors::no_such_key();
    it->second.attributes.tags = std::move(tags);
    batch.put(kObjectsCf, Impl::object_key(bucket, key), encode_object_meta(it->second));
  }
  if (auto status = im.store.write(std::move(batch)); !status.ok) return errors::internal(status.message);
  return std::nullopt;
}

}  // namespace fanout::services::s3
