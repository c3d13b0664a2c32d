// Multipart uploads: parts are files under <root>/.uploads/<upload id>/<part number>; completion
// concatenates them into a temp file and commits it like any other object.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/json.hpp>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <tuple>

#include "common/crypto.h"
#include "services/s3/checksums.h"
#include "services/s3/engine_internal.h"
#include "services/s3/file_ops.h"
#include "services/s3/s3_error.h"

namespace fanout::services::s3 {

namespace json = boost::json;
using protocol::ServiceError;

namespace {

constexpr std::uint64_t kMinPartSize = 5ull << 20;

std::string part_key(const std::string& upload_id, int part_number) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%05d", part_number);
  return upload_id + "/" + buf;
}

std::string unquote(std::string_view etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') etag = etag.substr(1, etag.size() - 2);
  return std::string(etag);
}

Upload* find_upload(Bucket& b, const std::string& key, const std::string& upload_id) {
  auto it = b.uploads.find(upload_id);
  if (it == b.uploads.end() || it->second.key != key) return nullptr;
  return &it->second;
}

// Moves a staged part into its upload's directory and records it; runs on the pool.
void commit_part(S3Engine::Impl& im, const std::string& account, const std::string& bucket,
                 const std::string& key, const std::string& upload_id, int part_number,
                 const std::string& temp, std::uint64_t size, const std::string& md5,
                 std::map<std::string, std::string> checksums,
                 const std::function<void(Outcome<PartSummary>)>& done) {
  if (im.sync_files) {
    if (auto err = fsync_file(temp); !err.empty()) {
      ::unlink(temp.c_str());
      return done(errors::internal(err));
    }
  }
  PartSummary part;
  store::Batch batch;
  std::string dir = im.upload_dir(upload_id);
  {
    std::lock_guard lock(im.mu);
    ServiceError error;
    auto* b = im.find_bucket(account, bucket, error);
    Upload* upload = b ? find_upload(*b, key, upload_id) : nullptr;
    if (!upload) {
      ::unlink(temp.c_str());
      return done(b ? errors::no_such_upload() : error);
    }
    make_dirs(dir);
    std::string path = dir + "/" + std::to_string(part_number);
    if (::rename(temp.c_str(), path.c_str()) != 0) {
      ::unlink(temp.c_str());
      return done(errors::internal("rename of part failed"));
    }
    part.part_number = part_number;
    part.size = size;
    part.etag = quoted_md5_etag(md5);
    part.last_modified_ms = im.clock.now_ms();
    part.checksums = std::move(checksums);
    upload->parts[part_number] = part;
    ObjectMeta record;
    record.key = key;
    record.path = std::to_string(part_number);
    record.size = size;
    record.etag = part.etag;
    record.last_modified_ms = part.last_modified_ms;
    record.checksums = part.checksums;
    batch.put(kPartsCf, part_key(upload_id, part_number), encode_object_meta(record));
  }
  if (im.sync_files) fsync_dir(dir);
  if (auto status = im.store.write(std::move(batch)); !status.ok)
    return done(errors::internal(status.message));
  done(std::move(part));
}

}  // namespace

Outcome<std::string> S3Engine::create_multipart_upload(const std::string& account_id,
                                                       const std::string& bucket, const std::string& key,
                                                       ObjectAttributes attributes) {
  auto& im = *impl_;
  store::Batch batch;
  std::string id = crypto::hex(crypto::random_bytes(24));
  {
    std::lock_guard lock(im.mu);
    ServiceError error;
    auto* b = im.find_bucket(account_id, bucket, error);
    if (!b) return error;
    Upload upload;
    upload.id = id;
    upload.key = key;
    upload.initiated_ms = im.clock.now_ms();
    upload.attributes = std::move(attributes);
    ObjectMeta attrs;
    attrs.key = key;
    attrs.path = "-";
    attrs.attributes = upload.attributes;
    json::object record{{"bucket", bucket},
                        {"key", key},
                        {"initiated", upload.initiated_ms},
                        {"attrs", encode_object_meta(attrs)}};
    batch.put(kUploadsCf, id, json::serialize(record));
    b->uploads.emplace(id, std::move(upload));
  }
  if (auto status = im.store.write(std::move(batch)); !status.ok) return errors::internal(status.message);
  return id;
}

void S3Engine::upload_part(const std::string& account_id, const std::string& bucket, const std::string& key,
                           const std::string& upload_id, int part_number, StagedBody body,
                           std::function<void(Outcome<PartSummary>)> done) {
  auto& im = *impl_;
  boost::asio::post(im.pool, [&im, account_id, bucket, key, upload_id, part_number, body = std::move(body),
                              done = std::move(done)]() mutable {
    commit_part(im, account_id, bucket, key, upload_id, part_number, body.temp_path, body.size, body.md5,
                std::move(body.checksums), done);
  });
}

void S3Engine::upload_part_copy(const std::string& account_id, const std::string& bucket,
                                const std::string& key, const std::string& upload_id, int part_number,
                                const std::string& src_bucket, const std::string& src_key,
                                std::optional<std::pair<std::uint64_t, std::uint64_t>> range,
                                std::function<void(Outcome<PartSummary>)> done) {
  auto& im = *impl_;
  boost::asio::post(im.pool, [this, &im, account_id, bucket, key, upload_id, part_number, src_bucket, src_key,
                              range, done = std::move(done)]() mutable {
    {
      std::lock_guard lock(im.mu);
      ServiceError error;
      auto* b = im.find_bucket(account_id, bucket, error);
      if (!b) return done(error);
      if (!find_upload(*b, key, upload_id)) return done(errors::no_such_upload());
    }
    auto source = head_object(account_id, src_bucket, src_key);
    if (auto* err = std::get_if<ServiceError>(&source)) return done(*err);
    auto& src = std::get<ObjectMeta>(source);
    std::uint64_t offset = 0, length = src.size;
    if (range) {
      if (range->first > range->second || range->second >= src.size) {
        return done(errors::make(
            "InvalidArgument",
            "Range specified is not valid for source object of size: " + std::to_string(src.size), 400));
      }
      offset = range->first;
      length = range->second - range->first + 1;
    }
    std::string temp = im.temp_path();
    auto md5 = Digest::make("MD5");
    {
      UniqueFd out(::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
      std::string err = out ? copy_range(object_file(account_id, src_bucket, src), offset, length, out.get(),
                                         [&](const char* d, std::size_t n) { md5->update(d, n); })
                            : std::string("cannot create temp file");
      if (!err.empty()) {
        ::unlink(temp.c_str());
        return done(errors::internal(err));
      }
    }
    commit_part(im, account_id, bucket, key, upload_id, part_number, temp, length, md5->result(), {}, done);
  });
}

void S3Engine::complete_multipart_upload(const std::string& account_id, const std::string& bucket,
                                         const std::string& key, const std::string& upload_id,
                                         const std::vector<CompletedPart>& parts,
                                         std::function<void(Outcome<ObjectMeta>)> done) {
  auto& im = *impl_;
  std::vector<PartSummary> chosen;
  ObjectAttributes attributes;
  {
    std::lock_guard lock(im.mu);
    ServiceError error;
    auto* b = im.find_bucket(account_id, bucket, error);
    if (!b) return done(error);
    auto* upload = find_upload(*b, key, upload_id);
    if (!upload) return done(errors::no_such_upload());
    int previous = 0;
    for (const auto& p : parts) {
      if (p.part_number <= previous) {
        return done(
            errors::make("InvalidPartOrder",
                         "The list of parts was not in ascending order. The parts list must be specified in "
                         "order by part number.",
                         400));
      }
      previous = p.part_number;
      auto it = upload->parts.find(p.part_number);
      if (it == upload->parts.end() || unquote(it->second.etag) != unquote(p.etag)) {
        return done(
            errors::make("InvalidPart",
                         "One or more of the specified parts could not be found.  The part may not have been "
                         "uploaded, or the specified entity tag may not match the part's entity tag.",
                         400));
      }
      chosen.push_back(it->second);
    }
    for (std::size_t i = 0; i + 1 < chosen.size(); ++i) {
      if (chosen[i].size < kMinPartSize) {
        return done(errors::make("EntityTooSmall",
                                 "Your proposed upload is smaller than the minimum allowed size", 400));
      }
    }
    attributes = upload->attributes;
  }
  boost::asio::post(im.pool, [&im, account_id, bucket, key, upload_id, chosen = std::move(chosen),
                              attributes = std::move(attributes), done = std::move(done)]() mutable {
    std::string temp = im.temp_path();
    std::string md5s;
    std::uint64_t total = 0;
    {
      UniqueFd out(::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
      if (!out) return done(errors::internal("cannot create temp file"));
      for (const auto& part : chosen) {
        std::string path = im.upload_dir(upload_id) + "/" + std::to_string(part.part_number);
        if (auto err = copy_range(path, 0, part.size, out.get(), nullptr); !err.empty()) {
          ::unlink(temp.c_str());
          return done(errors::internal(err));
        }
        // The part's ETag is the quoted hex MD5 this server computed; anything else means the
        // stored part record is damaged, and the upload cannot be completed correctly.
        const std::optional<std::string> md5 = crypto::hex_decode(unquote(part.etag));
        if (!md5 || md5->size() != 16) {
          ::unlink(temp.c_str());
          return done(
              errors::internal("stored ETag of part " + std::to_string(part.part_number) + " is not an MD5"));
        }
        md5s += *md5;
        total += part.size;
      }
    }
    ObjectMeta meta;
    meta.size = total;
    meta.etag = "\"" + crypto::hex(crypto::md5(md5s)) + "-" + std::to_string(chosen.size()) + "\"";
    meta.parts_count = static_cast<int>(chosen.size());
    attributes.checksum_algorithm.clear();
    meta.attributes = std::move(attributes);
    im.commit_object(account_id, bucket, key, temp, std::move(meta),
                     [&im, bucket, upload_id, done = std::move(done)](Outcome<ObjectMeta> outcome) {
                       if (std::holds_alternative<ObjectMeta>(outcome)) {
                         store::Batch batch;
                         {
                           std::lock_guard lock(im.mu);
                           if (auto b = im.buckets.find(bucket); b != im.buckets.end())
                             b->second.uploads.erase(upload_id);
                         }
                         batch.erase(kUploadsCf, upload_id);
                         batch.erase_range(kPartsCf, upload_id + "/", upload_id + "0");
                         std::error_code ec;
                         std::filesystem::remove_all(im.upload_dir(upload_id), ec);
                         im.store.commit(std::move(batch), [](const store::Status&) {});
                       }
                       done(std::move(outcome));
                     });
  });
}

std::optional<ServiceError> S3Engine::abort_multipart_upload(const std::string& account_id,
                                                             const std::string& bucket,
                                                             const std::string& key,
                                                             const std::string& upload_id) {
  auto& im = *impl_;
  store::Batch batch;
  {
    std::lock_guard lock(im.mu);
    ServiceError error;
    auto* b = im.find_bucket(account_id, bucket, error);
    if (!b) return error;
    if (!find_upload(*b, key, upload_id)) return errors::no_such_upload();
    b->uploads.erase(upload_id);
    std::error_code ec;
    std::filesystem::remove_all(im.upload_dir(upload_id), ec);
    batch.erase(kUploadsCf, upload_id);
    batch.erase_range(kPartsCf, upload_id + "/", upload_id + "0");
  }
  if (auto status = im.store.write(std::move(batch)); !status.ok) return errors::internal(status.message);
  return std::nullopt;
}

Outcome<std::vector<PartSummary>> S3Engine::list_parts(const std::string& account_id,
                                                       const std::string& bucket, const std::string& key,
                                                       const std::string& upload_id) const {
  std::lock_guard lock(impl_->mu);
  ServiceError error;
  auto* b = impl_->find_bucket(account_id, bucket, error);
  if (!b) return error;
  auto* upload = find_upload(const_cast<Bucket&>(*b), key, upload_id);
  if (!upload) return errors::no_such_upload();
  std::vector<PartSummary> out;
  for (const auto& [n, part] : upload->parts) out.push_back(part);
  return out;
}

Outcome<std::vector<UploadSummary>> S3Engine::list_multipart_uploads(const std::string& account_id,
                                                                     const std::string& bucket) const {
  std::lock_guard lock(impl_->mu);
  ServiceError error;
  auto* b = impl_->find_bucket(account_id, bucket, error);
  if (!b) return error;
  std::vector<UploadSummary> out;
  for (const auto& [id, upload] : b->uploads) out.push_back({id, upload.key, upload.initiated_ms});
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return std::tie(a.key, a.initiated_ms) < std::tie(b.key, b.initiated_ms);
  });
  return out;
}

}  // namespace fanout::services::s3
