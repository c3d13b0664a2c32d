// A Beast body that sends a byte range of an open file, read as the socket drains, so a large
// response (S3 GetObject) never sits in memory.
#pragma once

#include <unistd.h>

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/optional.hpp>
#include <cstdint>
#include <memory>
#include <system_error>
#include <utility>
#include <vector>

namespace fanout::net {

// Closes the descriptor when the last body referring to it is gone.
class SharedFd {
 public:
  SharedFd() = default;
  explicit SharedFd(int fd) : fd_(fd >= 0 ? std::make_shared<const Owned>(fd) : nullptr) {}
  int get() const { return fd_ ? fd_->fd : -1; }

 private:
  struct Owned {
    explicit Owned(int descriptor) : fd(descriptor) {}
    Owned(const Owned&) = delete;
    Owned& operator=(const Owned&) = delete;
    ~Owned() { ::close(fd); }
    int fd;
  };
  std::shared_ptr<const Owned> fd_;
};

struct FileRangeBody {
  struct value_type {
    SharedFd file;
    std::uint64_t offset = 0;
    std::uint64_t length = 0;
  };

  static std::uint64_t size(const value_type& body) { return body.length; }

  class writer {
   public:
    using const_buffers_type = boost::asio::const_buffer;

    template <bool isRequest, class Fields>
    writer(const boost::beast::http::header<isRequest, Fields>&, const value_type& body)
        : body_(body), offset_(body.offset), remaining_(body.length) {}

    void init(boost::beast::error_code& ec) {
      buffer_.resize(static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, kBufferBytes)));
      ec = {};
    }

    boost::optional<std::pair<const_buffers_type, bool>> get(boost::beast::error_code& ec) {
      ec = {};
      if (remaining_ == 0) return boost::none;
      auto want = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, buffer_.size()));
      ssize_t n;
      do {
        n = ::pread(body_.file.get(), buffer_.data(), want, static_cast<off_t>(offset_));
      } while (n < 0 && errno == EINTR);
      if (n <= 0) {
        // The file shrank or failed under us: end the response short; the client sees it.
        ec = std::make_error_code(std::errc::io_error);
        return boost::none;
      }
      offset_ += static_cast<std::uint64_t>(n);
      remaining_ -= static_cast<std::uint64_t>(n);
      return std::make_pair(const_buffers_type(buffer_.data(), static_cast<std::size_t>(n)), remaining_ > 0);
    }

   private:
    static constexpr std::uint64_t kBufferBytes = 1 << 20;
    const value_type& body_;
    std::uint64_t offset_;
    std::uint64_t remaining_;
    std::vector<char> buffer_;
  };
};

}  // namespace fanout::net
