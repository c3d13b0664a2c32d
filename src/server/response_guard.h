// The one answer to one request, whatever throws on the way.
//
// The gateway answers an exception escaping the request path with a 500 (hardening issue 9),
// but by the time it catches, the Respond may have been called already, or handed to an engine
// that will call it later on another thread: a second answer would put a second response on
// the connection, and no answer would leave the client waiting. While the gateway alone holds
// the Respond, a plain flag says whether it answered. Only a hand-off moves it into shared state
// (one allocation, which also carries the admission slot the Respond used to hold in a second
// one) whose atomic flag lets the first answer through and drops any other.
#pragma once

#include <atomic>
#include <functional>
#include <memory>

#include "net/http_handler.h"
#include "server/admission.h"

namespace fanout::server {

class ResponseGuard {
 public:
  explicit ResponseGuard(net::Respond respond) : respond_(std::move(respond)) {}
  ResponseGuard(const ResponseGuard&) = delete;
  ResponseGuard& operator=(const ResponseGuard&) = delete;

  // The connection's watch for its client going away (net::Respond::disconnect_watch); before
  // hand_off() only.
  const net::DisconnectWatch& disconnect_watch() const { return respond_.disconnect_watch(); }
  // Holds an admission slot until the answer is handed to the connection.
  void hold(Admission::Ticket ticket) { ticket_ = std::move(ticket); }
  // Answers from the request's own thread, before any hand-off.
  void send(net::Response response);
  // The Respond for code that may answer later or on another thread; it forwards the first
  // answer only. At most once per request; send() is not used after it.
  net::Respond hand_off();
  // For the gateway's catch: answers with `response` unless an answer was given, or the
  // handed-off Respond is still held by someone (who will answer: the catch must not race them).
  // A Respond dropped unanswered while the exception unwound is answered here. Returns whether
  // it answered.
  bool answer_if_unanswered(net::Response response);
  // What to answer if every holder of the handed-off Respond lets go of it unanswered (an engine
  // bug; the client would otherwise wait until its own timeout). `make` runs only then, on the
  // thread that let go last. No effect without a hand-off.
  void answer_if_dropped(std::function<net::Response()> make);
  // Whether the Respond itself threw (the connection failed to take the answer): the catch then
  // lets the exception go on to the server, which closes the connection, as nobody else will
  // answer.
  bool respond_threw() const;

 private:
  struct Shared;

  net::Respond respond_;
  Admission::Ticket ticket_;
  bool answered_ = false;
  bool threw_ = false;
  std::shared_ptr<Shared> shared_;  // set by hand_off()
};

}  // namespace fanout::server
