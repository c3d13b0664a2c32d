#include "services/s3/s3_engine.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <boost/json.hpp>
#include <filesystem>
#include <optional>
#include <set>

#include "common/crypto.h"
#include "services/s3/bucket_name.h"
#include "services/s3/checksums.h"
#include "services/s3/engine_internal.h"
#include "services/s3/file_ops.h"
#include "services/s3/key_path.h"
#include "services/s3/part_number.h"
#include "services/s3/s3_error.h"

namespace fanout::services::s3 {

namespace fs = std::filesystem;
namespace json = boost::json;
using protocol::ServiceError;

std::string quoted_md5_etag(const std::string& raw_md5) { return "\"" + crypto::hex(raw_md5) + "\""; }

S3Engine::Impl::Impl(store::Store& s, const Clock& c, std::string data, std::string region, bool sync)
    : store(s),
      clock(c),
      root(fs::absolute(fs::path(data.empty() ? std::string(".") : std::move(data)) / "s3")
               .lexically_normal()
               .string()),
      tmp(root + "/.tmp"),
      uploads(root + "/.uploads"),
      default_region(std::move(region)),
      sync_files(sync) {
  if (!root.empty() && root.back() == '/') root.pop_back();
  tmp = root + "/.tmp";
  uploads = root + "/.uploads";
}

Bucket* S3Engine::Impl::find_bucket(const std::string& account, const std::string& bucket,
                                    ServiceError& error) {
  auto it = buckets.find(bucket);
  if (it == buckets.end()) {
    error = errors::no_such_bucket();
    return nullptr;
  }
  if (it->second.account != account) {
    error = errors::access_denied();
    return nullptr;
  }
  return &it->second;
}

const Bucket* S3Engine::Impl::find_bucket(const std::string& account, const std::string& bucket,
                                          ServiceError& error) const {
  return const_cast<Impl*>(this)->find_bucket(account, bucket, error);
}

std::string S3Engine::Impl::bucket_record(const Bucket& b) const {
  json::object o{
      {"account", b.account}, {"region", b.region}, {"created", b.created_ms}, {"policy", b.policy}};
  if (b.has_tags) o["tags"] = json::parse(encode_tags(b.tags));
  return json::serialize(o);
}

S3Engine::S3Engine(store::Store& store, const Clock& clock, std::string data_dir, std::string default_region,
                   bool sync_files, bool verify_bodies)
    : impl_(
          std::make_unique<Impl>(store, clock, std::move(data_dir), std::move(default_region), sync_files)) {
  impl_->load_and_reconcile(verify_bodies);
}

S3Engine::~S3Engine() { stop(); }

std::vector<std::string> S3Engine::column_families() {
  return {std::string(kBucketsCf), std::string(kObjectsCf), std::string(kUploadsCf), std::string(kPartsCf)};
}

void S3Engine::stop() { impl_->pool.join(); }

const std::string& S3Engine::temp_dir() const { return impl_->tmp; }
std::string S3Engine::new_temp_path() { return impl_->temp_path(); }

// ---- Buckets ----

std::optional<ServiceError> S3Engine::create_bucket(const std::string& account_id, const std::string& bucket,
                                                    const std::string& region) {
  auto& im = *impl_;
  if (!valid_bucket_name(bucket)) {
    return errors::make("InvalidBucketName", "The specified bucket is not valid.", 400);
  }
  std::unique_lock lock(im.mu);
  if (auto it = im.buckets.find(bucket); it != im.buckets.end()) {
    if (it->second.account != account_id) {
      return errors::make(
          "BucketAlreadyExists",
          "The requested bucket name is not available. The bucket namespace is shared by all users "
          "of the system. Please select a different name and try again.",
          409);
    }
    // us-east-1 (the legacy global endpoint) answers 200 for a bucket you already own.
    if (it->second.region == "us-east-1" && (region.empty() || region == "us-east-1")) return std::nullopt;
    return errors::make("BucketAlreadyOwnedByYou",
                        "Your previous request to create the named bucket succeeded and you already own it.",
                        409);
  }
  Bucket b;
  b.name = bucket;
  b.account = account_id;
  b.region = region.empty() ? "us-east-1" : region;
  b.created_ms = im.clock.now_ms();
  if (auto err = make_dirs(im.bucket_dir(b)); !err.empty()) return errors::internal(err);
  store::Batch batch;
  batch.put(kBucketsCf, bucket, im.bucket_record(b));
  im.buckets.emplace(bucket, std::move(b));
  lock.unlock();
  if (auto status = im.store.write(std::move(batch)); !status.ok) return errors::internal(status.message);
  return std::nullopt;
}

std::optional<ServiceError> S3Engine::delete_bucket(const std::string& account_id,
                                                    const std::string& bucket) {
  auto& im = *impl_;
  std::unique_lock lock(im.mu);
  ServiceError error;
  auto* b = im.find_bucket(account_id, bucket, error);
  if (!b) return error;
  if (!b->objects.empty()) {
    return errors::make("BucketNotEmpty", "The bucket you tried to delete is not empty", 409);
  }
  std::string dir = im.bucket_dir(*b);
  store::Batch batch;
  batch.erase(kBucketsCf, bucket);
  for (const auto& [id, upload] : b->uploads) {
    batch.erase(kUploadsCf, id);
    batch.erase_range(kPartsCf, id + "/", id + "0");
    std::error_code ec;
    fs::remove_all(im.upload_dir(id), ec);
  }
  im.buckets.erase(bucket);
  std::error_code ec;
  fs::remove_all(dir, ec);
  lock.unlock();
  if (auto status = im.store.write(std::move(batch)); !status.ok) return errors::internal(status.message);
  return std::nullopt;
}

bool S3Engine::bucket_exists(const std::string& account_id, const std::string& bucket) const {
  std::lock_guard lock(impl_->mu);
  auto it = impl_->buckets.find(bucket);
  return it != impl_->buckets.end() && it->second.account == account_id;
}

std::optional<ServiceError> S3Engine::check_bucket(const std::string& account_id,
                                                   const std::string& bucket) const {
  std::lock_guard lock(impl_->mu);
  ServiceError error;
  if (!impl_->find_bucket(account_id, bucket, error)) return error;
  return std::nullopt;
}

std::vector<BucketSummary> S3Engine::list_buckets(const std::string& account_id) const {
  std::lock_guard lock(impl_->mu);
  std::vector<BucketSummary> out;
  for (const auto& [name, b] : impl_->buckets) {
    if (b.account == account_id) out.push_back({name, b.created_ms, b.region});
  }
  return out;
}

Outcome<std::string> S3Engine::bucket_region(const std::string& account_id, const std::string& bucket) const {
  std::lock_guard lock(impl_->mu);
  ServiceError error;
  auto* b = impl_->find_bucket(account_id, bucket, error);
  if (!b) return error;
  return b->region;
}

std::optional<ServiceError> S3Engine::put_bucket_policy(const std::string& account_id,
                                                        const std::string& bucket,
                                                        const std::string& policy_json) {
  boost::system::error_code ec;
  auto parsed = json::parse(policy_json, ec);
  if (ec || !parsed.is_object()) return errors::make("MalformedPolicy", "Policies must be valid JSON", 400);
  auto& im = *impl_;
  std::unique_lock lock(im.mu);
  ServiceError error;
  auto* b = im.find_bucket(account_id, bucket, error);
  if (!b) return error;
  b->policy = policy_json;
  store::Batch batch;
  batch.put(kBucketsCf, bucket, im.bucket_record(*b));
  lock.unlock();
  if (auto status = im.store.write(std::move(batch)); !status.ok) return errors::internal(status.message);
  return std::nullopt;
}

Outcome<std::string> S3Engine::get_bucket_policy(const std::string& account_id,
                                                 const std::string& bucket) const {
  std::lock_guard lock(impl_->mu);
  ServiceError error;
  auto* b = impl_->find_bucket(account_id, bucket, error);
  if (!b) return error;
  if (b->policy.empty()) return errors::make("NoSuchBucketPolicy", "The bucket policy does not exist", 404);
  return b->policy;
}

std::optional<ServiceError> S3Engine::delete_bucket_policy(const std::string& account_id,
                                                           const std::string& bucket) {
  auto& im = *impl_;
  std::unique_lock lock(im.mu);
  ServiceError error;
  auto* b = im.find_bucket(account_id, bucket, error);
  if (!b) return error;
  b->policy.clear();
  store::Batch batch;
  batch.put(kBucketsCf, bucket, im.bucket_record(*b));
  lock.unlock();
  if (auto status = im.store.write(std::move(batch)); !status.ok) return errors::internal(status.message);
  return std::nullopt;
}

Outcome<Tags> S3Engine::get_bucket_tagging(const std::string& account_id, const std::string& bucket) const {
  std::lock_guard lock(impl_->mu);
  ServiceError error;
  auto* b = impl_->find_bucket(account_id, bucket, error);
  if (!b) return error;
  if (!b->has_tags) return errors::make("NoSuchTagSet", "The TagSet does not exist", 404);
  return b->tags;
}

std::optional<ServiceError> S3Engine::put_bucket_tagging(const std::string& account_id,
                                                         const std::string& bucket, Tags tags) {
  auto& im = *impl_;
  std::unique_lock lock(im.mu);
  ServiceError error;
  auto* b = im.find_bucket(account_id, bucket, error);
  if (!b) return error;
  b->has_tags = !tags.empty();
  b->tags = std::move(tags);
  store::Batch batch;
  batch.put(kBucketsCf, bucket, im.bucket_record(*b));
  lock.unlock();
  if (auto status = im.store.write(std::move(batch)); !status.ok) return errors::internal(status.message);
  return std::nullopt;
}

// ---- In-process put ----

void S3Engine::put_object(LocalPutObject request, std::function<void(LocalPutResult)> done) {
  auto& im = *impl_;
  StagedBody staged;
  staged.temp_path = im.temp_path();
  {
    UniqueFd fd(::open(staged.temp_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
    std::string err =
        fd ? write_all(fd.get(), request.body.data(), request.body.size()) : "cannot create temp file";
    if (!err.empty()) {
      ::unlink(staged.temp_path.c_str());
      return done(LocalPutResult{errors::internal(err), ""});
    }
  }
  staged.size = request.body.size();
  staged.md5 = crypto::md5(request.body);
  ObjectAttributes attributes;
  attributes.content_type = std::move(request.content_type);
  attributes.content_encoding = std::move(request.content_encoding);
  attributes.user_metadata = std::move(request.metadata);
  put_object(request.account_id, request.bucket, request.key, std::move(staged), std::move(attributes),
             [done = std::move(done)](Outcome<ObjectMeta> outcome) {
               if (auto* err = std::get_if<ServiceError>(&outcome)) return done(LocalPutResult{*err, ""});
               done(LocalPutResult{std::nullopt, std::get<ObjectMeta>(outcome).etag});
             });
}

// ---- Reset, metrics, recovery ----

void S3Engine::reset() {
  auto& im = *impl_;
  std::lock_guard lock(im.mu);
  im.buckets.clear();
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(im.root, ec)) {
    if (entry.path() == im.tmp) continue;  // in-flight uploads still write there
    fs::remove_all(entry.path(), ec);
  }
  make_dirs(im.tmp);
  make_dirs(im.uploads);
}

std::string S3Engine::prometheus_metrics() const {
  std::lock_guard lock(impl_->mu);
  std::uint64_t objects = 0, bytes = 0;
  for (const auto& [name, b] : impl_->buckets) {
    objects += b.objects.size();
    for (const auto& [key, meta] : b.objects) bytes += meta.size;
  }
  return "# TYPE fanout_s3_buckets gauge\nfanout_s3_buckets " + std::to_string(impl_->buckets.size()) +
         "\n# TYPE fanout_s3_objects gauge\nfanout_s3_objects " + std::to_string(objects) +
         "\n# TYPE fanout_s3_object_bytes gauge\nfanout_s3_object_bytes " + std::to_string(bytes) + "\n";
}

namespace {

// The raw MD5 of a whole file; nullopt when it cannot be read.
std::optional<std::string> md5_of_file(const std::string& path) {
  auto md5 = Digest::make("MD5");
  UniqueFd in(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!in) return std::nullopt;
  std::vector<char> buffer(std::size_t{1} << 20);
  ssize_t n;
  while ((n = ::read(in.get(), buffer.data(), buffer.size())) > 0)
    md5->update(buffer.data(), static_cast<std::size_t>(n));
  if (n < 0) return std::nullopt;
  return md5->result();
}

}  // namespace

void S3Engine::Impl::load_and_reconcile(bool verify_bodies) {
  if (auto err = make_dirs(tmp); !err.empty()) throw std::runtime_error("s3: " + err);
  if (auto err = make_dirs(uploads); !err.empty()) throw std::runtime_error("s3: " + err);
  // Temp files belong to writes that never committed.
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(tmp, ec)) fs::remove_all(entry.path(), ec);

  store.scan(kBucketsCf, "", [&](std::string_view key, std::string_view value) {
    boost::system::error_code jec;
    auto v = json::parse(value, jec);
    // Batches are atomic, so a crash never leaves half a record: an unreadable one is corruption,
    // and starting without the bucket would silently lose it and its objects.
    if (jec || !v.is_object())
      throw std::runtime_error("s3: corrupt bucket record '" + std::string(key) + "' in the data dir");
    auto& o = v.as_object();
    Bucket b;
    b.name = std::string(key);
    b.account = json::value_to<std::string>(o.at("account"));
    b.region = json::value_to<std::string>(o.at("region"));
    b.created_ms = o.at("created").to_number<std::int64_t>();
    b.policy = json::value_to<std::string>(o.at("policy"));
    if (auto* t = o.if_contains("tags")) {
      b.tags = decode_tags(json::serialize(*t));
      b.has_tags = true;
    }
    buckets.emplace(b.name, std::move(b));
    return true;
  });

  store::Batch fixes;
  store.scan(kObjectsCf, "", [&](std::string_view key, std::string_view value) {
    auto nul = key.find('\0');
    auto meta = decode_object_meta(value);
    auto it = nul == std::string_view::npos ? buckets.end() : buckets.find(std::string(key.substr(0, nul)));
    if (!meta) {
      std::string name(key);
      if (nul != std::string_view::npos) name[nul] = '/';
      throw std::runtime_error("s3: corrupt object metadata for '" + name + "' in the data dir");
    }
    if (it == buckets.end()) {
      fixes.erase(kObjectsCf, key);  // an object of a deleted bucket
      return true;
    }
    std::string file = bucket_dir(it->second) + "/" + meta->path;
    struct stat st {};
    if (::lstat(file.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
      // Metadata committed but the rename never reached the disk: the write was not acknowledged.
      spdlog::warn("s3: {}/{} has metadata but no file; dropping it", it->first, meta->key);
      fixes.erase(kObjectsCf, key);
      return true;
    }
    std::int64_t mtime_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
    if (static_cast<std::uint64_t>(st.st_size) != meta->size || mtime_ns != meta->file_mtime_ns) {
      // A newer file was renamed in but its metadata never committed: describe the file that is there.
      spdlog::warn("s3: {}/{} file differs from its metadata; re-describing the file", it->first, meta->key);
      meta->size = static_cast<std::uint64_t>(st.st_size);
      meta->file_mtime_ns = mtime_ns;
      meta->last_modified_ms = mtime_ns / 1'000'000;
      meta->checksums.clear();
      meta->parts_count = 0;
      const auto md5 = md5_of_file(file);  // unreadable: described as empty, as before
      meta->etag = quoted_md5_etag(md5 ? *md5 : Digest::make("MD5")->result());
      fixes.put(kObjectsCf, key, encode_object_meta(*meta));
    } else if (verify_bodies && meta->etag.find('-') == std::string::npos) {
      // A single-part object's ETag is its body's MD5 (a multipart ETag is not a digest of the body).
      const auto md5 = md5_of_file(file);
      if (!md5 || quoted_md5_etag(*md5) != meta->etag) {
        throw std::runtime_error("s3: object '" + it->first + "/" + meta->key + "': its file " + file +
                                 (md5 ? " no longer matches its ETag" : " cannot be read") +
                                 " (verifying the data dir)");
      }
    }
    it->second.objects.emplace(meta->key, std::move(*meta));
    return true;
  });

  store.scan(kUploadsCf, "", [&](std::string_view key, std::string_view value) {
    boost::system::error_code jec;
    auto v = json::parse(value, jec);
    // Batches are atomic, so a crash never leaves half a record: an unreadable one is corruption,
    // and starting without the bucket would silently lose it and its objects.
    if (jec || !v.is_object())
      throw std::runtime_error("s3: corrupt bucket record '" + std::string(key) + "' in the data dir");
    auto& o = v.as_object();
    auto it = buckets.find(json::value_to<std::string>(o.at("bucket")));
    if (it == buckets.end()) {
      fixes.erase(kUploadsCf, key);
      return true;
    }
    Upload u;
    u.id = std::string(key);
    u.key = json::value_to<std::string>(o.at("key"));
    u.initiated_ms = o.at("initiated").to_number<std::int64_t>();
    if (auto attrs = decode_object_meta(json::value_to<std::string>(o.at("attrs"))))
      u.attributes = attrs->attributes;
    it->second.uploads.emplace(u.id, std::move(u));
    return true;
  });
  std::map<std::string, Upload*> uploads_by_id;
  for (auto& [name, b] : buckets) {
    for (auto& [id, u] : b.uploads) uploads_by_id[id] = &u;
  }
  store.scan(kPartsCf, "", [&](std::string_view key, std::string_view value) {
    // Keys are "<upload id>/<part number>"; a record that does not parse is dropped like one
    // whose upload is gone (its file, if any, goes with the upload's folder).
    const auto slash = key.find('/');
    const std::optional<int> part_number =
        slash == std::string_view::npos ? std::nullopt : parse_part_number(key.substr(slash + 1));
    auto it = part_number ? uploads_by_id.find(std::string(key.substr(0, slash))) : uploads_by_id.end();
    auto meta = decode_object_meta(value);
    if (it == uploads_by_id.end() || !meta) {
      fixes.erase(kPartsCf, key);
      return true;
    }
    PartSummary part;
    part.part_number = *part_number;
    part.size = meta->size;
    part.etag = meta->etag;
    part.last_modified_ms = meta->last_modified_ms;
    part.checksums = meta->checksums;
    std::string file = upload_dir(it->first) + "/" + std::to_string(part.part_number);
    struct stat st {};
    if (::stat(file.c_str(), &st) != 0 || static_cast<std::uint64_t>(st.st_size) != part.size) {
      fixes.erase(kPartsCf, key);
      return true;
    }
    it->second->parts[part.part_number] = std::move(part);
    return true;
  });

  // Files nobody's metadata names: renamed in, never committed. Remove them, so that what a
  // person sees with ls is what S3 lists.
  for (auto& [name, b] : buckets) {
    std::string dir = bucket_dir(b);
    make_dirs(dir);
    std::set<std::string> known;
    for (const auto& [key, meta] : b.objects) known.insert(meta.path);
    std::vector<fs::path> orphans;
    for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
      if (!it->is_regular_file()) continue;
      auto rel = it->path().lexically_relative(dir).string();
      if (!known.contains(rel)) orphans.push_back(it->path());
    }
    for (const auto& path : orphans) {
      spdlog::warn("s3: removing uncommitted file {}", path.string());
      fs::remove(path, ec);
      remove_empty_parents(path.parent_path().string(), dir);
    }
  }
  for (const auto& entry : fs::directory_iterator(uploads, ec)) {
    if (!uploads_by_id.contains(entry.path().filename().string())) fs::remove_all(entry.path(), ec);
  }
  if (!fixes.empty()) {
    if (auto status = store.write(std::move(fixes)); !status.ok)
      spdlog::error("s3: recovery write failed: {}", status.message);
  }
}

}  // namespace fanout::services::s3
