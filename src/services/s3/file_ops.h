// The POSIX file operations object storage needs: durable renames, directory creation and
// cleanup that never leaves the bucket directory, ranged copies with digests.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "common/unique_fd.h"

namespace fanout::services::s3 {

using fanout::UniqueFd;

// Each returns "" on success, else a description of the failure (strerror + path).
std::string fsync_file(const std::string& path);
std::string fsync_dir(const std::string& path);
// mkdir -p of `path`; components that exist as non-directories are an error.
std::string make_dirs(const std::string& path);
// Removes empty directories from `dir` upwards, stopping at (and never removing) `stop`.
void remove_empty_parents(const std::string& dir, const std::string& stop);
// Appends `length` bytes of `src` from `offset` to the open fd `dst`, feeding every byte to
// `observe` (digests) when given.
std::string copy_range(const std::string& src, std::uint64_t offset, std::uint64_t length, int dst,
                       const std::function<void(const char*, std::size_t)>& observe);
// Writes all of data to fd.
std::string write_all(int fd, const char* data, std::size_t size);
// Parent directory of a path ("a/b/c" → "a/b").
std::string parent_of(const std::string& path);

}  // namespace fanout::services::s3
