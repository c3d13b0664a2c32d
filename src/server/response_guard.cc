#include "server/response_guard.h"

#include <spdlog/spdlog.h>

#include <utility>

namespace fanout::server {

struct ResponseGuard::Shared {
  Shared(net::Respond r, Admission::Ticket t) : respond(std::move(r)), ticket(std::move(t)) {}
  Shared(const Shared&) = delete;
  Shared& operator=(const Shared&) = delete;
  ~Shared() {
    if (!if_dropped || answered.load(std::memory_order_acquire)) return;
    try {
      answer(if_dropped());
    } catch (const std::exception& e) {
      spdlog::error("answering a dropped request failed: {}", e.what());
    } catch (...) {
      spdlog::error("answering a dropped request failed");
    }
  }

  // True for the first caller only: it alone may answer.
  bool claim() { return !answered.exchange(true, std::memory_order_acq_rel); }

  template <class Message>
  void answer(Message response) {
    if (!claim()) {
      // An engine answering twice would desynchronise the connection; keep the first.
      spdlog::error("dropped a second answer to one request (status {})", response.result_int());
      return;
    }
    ticket.reset();
    try {
      respond(std::move(response));
    } catch (...) {
      threw.store(true, std::memory_order_relaxed);
      throw;
    }
  }

  net::Respond respond;
  Admission::Ticket ticket;
  std::function<net::Response()> if_dropped;  // set before the request thread lets go
  std::atomic<bool> answered{false};
  std::atomic<bool> threw{false};  // read by the request's thread only after its own call threw
};

void ResponseGuard::send(net::Response response) {
  if (answered_) {
    spdlog::error("dropped a second answer to one request (status {})", response.result_int());
    return;
  }
  // Set before the call: a Respond that throws may have sent already.
  answered_ = true;
  ticket_.reset();
  try {
    respond_(std::move(response));
  } catch (...) {
    threw_ = true;
    throw;
  }
}

net::Respond ResponseGuard::hand_off() {
  shared_ = std::make_shared<Shared>(std::move(respond_), std::move(ticket_));
  std::function<void(net::FileResponse)> send_file;
  if (shared_->respond.can_send_file()) {
    send_file = [shared = shared_](net::FileResponse response) { shared->answer(std::move(response)); };
  }
  return net::Respond([shared = shared_](net::Response response) { shared->answer(std::move(response)); },
                      std::move(send_file));
}

bool ResponseGuard::answer_if_unanswered(net::Response response) {
  if (!shared_) {
    if (answered_ || !respond_) return false;
    send(std::move(response));
    return true;
  }
  // Another holder has been given the Respond to answer with, now or later; only ours left means
  // it was dropped (the throw came before anyone kept it) or already used.
  if (shared_.use_count() > 1 || !shared_->claim()) return false;
  shared_->ticket.reset();
  shared_->respond(std::move(response));
  return true;
}

void ResponseGuard::answer_if_dropped(std::function<net::Response()> make) {
  // Written while this guard still holds shared_: whoever lets go last (and so runs ~Shared)
  // does so after this thread's release of its reference.
  if (shared_) shared_->if_dropped = std::move(make);
}

bool ResponseGuard::respond_threw() const {
  return threw_ || (shared_ && shared_->threw.load(std::memory_order_relaxed));
}

}  // namespace fanout::server
