#include "services/s3/file_ops.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace fanout::services::s3 {
namespace {

// strerror_r instead of strerror (whose buffer is shared by all threads): the GNU variant, which
// g++ and clang++ get by default (_GNU_SOURCE), returns the message, possibly not in buf; the
// XSI variant fills buf and returns 0.
[[maybe_unused]] const char* strerror_message(const char* result, const char* /*buf*/) { return result; }
[[maybe_unused]] const char* strerror_message(int /*result*/, const char* buf) { return buf; }

std::string failure(const char* what, const std::string& path) {
  const int error = errno;
  char buf[256] = "";
  const char* message = strerror_message(strerror_r(error, buf, sizeof buf), buf);
  return std::string(what) + " " + path + ": " + message;
}

}  // namespace

std::string fsync_file(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return failure("open", path);
  if (::fsync(fd.get()) != 0) return failure("fsync", path);
  return {};
}

std::string fsync_dir(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) return failure("open", path);
  if (::fsync(fd.get()) != 0) return failure("fsync", path);
  return {};
}

std::string make_dirs(const std::string& path) {
  std::size_t pos = 0;
  while (pos != std::string::npos) {
    pos = path.find('/', pos + 1);
    std::string prefix = path.substr(0, pos);
    if (prefix.empty()) continue;
    if (::mkdir(prefix.c_str(), 0755) != 0 && errno != EEXIST) return failure("mkdir", prefix);
    struct stat st {};
    if (::lstat(prefix.c_str(), &st) != 0) return failure("stat", prefix);
    if (!S_ISDIR(st.st_mode)) {
      errno = ENOTDIR;
      return failure("mkdir", prefix);
    }
  }
  return {};
}

void remove_empty_parents(const std::string& dir, const std::string& stop) {
  std::string current = dir;
  while (current.size() > stop.size() && current.starts_with(stop + "/")) {
    if (::rmdir(current.c_str()) != 0) return;  // not empty (or gone): stop climbing
    current = parent_of(current);
  }
}

std::string copy_range(const std::string& src, std::uint64_t offset, std::uint64_t length, int dst,
                       const std::function<void(const char*, std::size_t)>& observe) {
  UniqueFd in(::open(src.c_str(), O_RDONLY | O_CLOEXEC));
  if (!in) return failure("open", src);
  std::vector<char> buffer(1 << 20);
  while (length > 0) {
    auto want = static_cast<std::size_t>(std::min<std::uint64_t>(length, buffer.size()));
    ssize_t n = ::pread(in.get(), buffer.data(), want, static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      return failure("read", src);
    }
    if (n == 0) {
      errno = EIO;
      return failure("short read", src);
    }
    if (observe) observe(buffer.data(), static_cast<std::size_t>(n));
    if (auto err = write_all(dst, buffer.data(), static_cast<std::size_t>(n)); !err.empty()) return err;
    offset += static_cast<std::uint64_t>(n);
    length -= static_cast<std::uint64_t>(n);
  }
  return {};
}

std::string write_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return failure("write", "fd " + std::to_string(fd));
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return {};
}

std::string parent_of(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? std::string() : path.substr(0, slash);
}

}  // namespace fanout::services::s3
