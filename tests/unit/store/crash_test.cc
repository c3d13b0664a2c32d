// A real crash: a child process commits in fsync mode, is killed with SIGKILL mid-stream, and
// every write it acknowledged before dying must be there on reopen.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <set>
#include <string>

#include "store/store.h"
#include "temp_dir.h"

namespace fanout::store {
namespace {

using testing::TempDir;

class CrashWriter {
 public:
  explicit CrashWriter(const std::string& dir) {
    int fds[2];
    if (pipe(fds) != 0) throw std::runtime_error("pipe failed");
    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      dup2(fds[1], STDOUT_FILENO);
      close(fds[0]);
      close(fds[1]);
      execl(FANOUT_STORE_CRASH_WRITER, FANOUT_STORE_CRASH_WRITER, dir.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    close(fds[1]);
    out_ = fds[0];
  }
  ~CrashWriter() {
    kill_now();
    if (out_ >= 0) close(out_);
  }
  CrashWriter(const CrashWriter&) = delete;
  CrashWriter& operator=(const CrashWriter&) = delete;

  // Reads acknowledgements until at least `count` arrived, the child exits, or the deadline.
  void read_acks(std::size_t count, std::chrono::seconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (acked_.size() < count && std::chrono::steady_clock::now() < deadline) {
      pollfd fd{out_, POLLIN, 0};
      if (poll(&fd, 1, 100) <= 0) continue;
      if (!read_some()) break;
    }
  }

  // SIGKILL, reap, then collect what the child printed before it died: acknowledged as well.
  void kill_now() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
    killed_by_signal_ = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
    pid_ = -1;
    while (read_some()) {
    }
  }

  const std::set<unsigned long long>& acked() const { return acked_; }
  bool killed_by_signal() const { return killed_by_signal_; }

 private:
  // Returns false at end of stream.
  bool read_some() {
    char buffer[4096];
    const ssize_t n = read(out_, buffer, sizeof buffer);
    if (n <= 0) return false;
    pending_.append(buffer, static_cast<std::size_t>(n));
    // Only complete lines count: a torn last line was never a full acknowledgement.
    for (std::size_t newline; (newline = pending_.find('\n')) != std::string::npos;) {
      acked_.insert(std::stoull(pending_.substr(0, newline)));
      pending_.erase(0, newline + 1);
    }
    return true;
  }

  pid_t pid_ = -1;
  int out_ = -1;
  std::string pending_;
  std::set<unsigned long long> acked_;
  bool killed_by_signal_ = false;
};

TEST(StoreCrash, AcknowledgedCommitsSurviveKill9) {
  TempDir dir;
  const std::string path = dir.sub("db");
  unsigned long long max_acked = 0;
  {
    CrashWriter writer(path);
    writer.read_acks(2000, std::chrono::seconds(5));
    writer.kill_now();
    ASSERT_TRUE(writer.killed_by_signal()) << "the writer exited on its own (failed commit?)";
    ASSERT_GE(writer.acked().size(), 100u) << "too few acknowledgements to test anything";
    // Not always exactly 1..N: a write-acknowledged commit (every third) is answered before the
    // fsync that earlier commits of its group wait for. The prefix check below covers every ack.
    max_acked = *writer.acked().rbegin();
    std::printf("[ measured ] %llu commits acknowledged before SIGKILL\n", max_acked);
  }

  // "index" reopens write-only too (a vector memtable replayed from the WAL), as the writer had it.
  Options options{path, Durability::fsync, {"messages", "index"}};
  options.write_only_families = {"index"};
  auto store = Store::open(options);
  // Recovery is point in time: what survived is a gap-free prefix 1..M, M >= every ack, and each
  // batch landed whole in both families.
  unsigned long long expected = 1;
  store->scan("messages", "", [&](std::string_view key, std::string_view value) {
    EXPECT_EQ(std::stoull(std::string(key)), expected);
    EXPECT_EQ(value, "body of message " + std::string(key));
    ++expected;
    return true;
  });
  const unsigned long long survived = expected - 1;
  EXPECT_GE(survived, max_acked);
  // The same keys, in order, in the write-only family (read by scan, as fanoutd's recovery does).
  unsigned long long index_expected = 1;
  store->scan("index", "", [&](std::string_view key, std::string_view value) {
    EXPECT_EQ(std::stoull(std::string(key)), index_expected);
    EXPECT_EQ(value, "ref");
    ++index_expected;
    return true;
  });
  EXPECT_EQ(index_expected - 1, survived);
}

}  // namespace
}  // namespace fanout::store
