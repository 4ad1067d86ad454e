// The shared HL7 simulator peer (see peer.hpp).
#include "simulators/hl7peer/peer.hpp"

#include <arpa/inet.h>
#include <fmt/chrono.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "reference/hl7/ack.hpp"
#include "reference/hl7/parser.hpp"
#include "reference/hl7/segments.hpp"
#include "reference/mllp/client.hpp"
#include "reference/mllp/server.hpp"

namespace radloop::hl7sim {

Result<AckBehaviour> parse_ack_behaviour(std::string_view text) {
  const auto bad = [&](const std::string& why) { return Error{Errc::invalid_config, std::string(text), why}; };
  AckBehaviour b;
  auto answer = std::string(text);
  bool delayed = false;
  if (const auto at = answer.find('@'); at != std::string::npos) {
    const auto ms = answer.substr(at + 1);
    if (ms.empty() || ms.size() > 7 || ms.find_first_not_of("0123456789") != std::string::npos)
      return bad("the delay after @ is a whole number of milliseconds (at most 7 digits)");
    b.delay = std::chrono::milliseconds(std::stol(ms));
    delayed = true;
    answer.resize(at);
  }
  using Kind = AckBehaviour::Kind;
  if (answer == "AA") {
    b.kind = Kind::accept;
  } else if (answer == "AE") {
    b.kind = Kind::error;
  } else if (answer == "AR") {
    b.kind = Kind::reject;
  } else if (answer == "none") {
    b.kind = Kind::no_answer;
    if (!delayed) b.delay = std::chrono::milliseconds(2'000);
  } else if (answer == "drop") {
    b.kind = Kind::drop;
  } else if (answer == "wrong_id") {
    b.kind = Kind::wrong_id;
  } else if (answer == "blank_id") {
    b.kind = Kind::blank_id;
  } else {
    return bad(
        "an answer is AA, AE, AR, none, drop, wrong_id (AA naming another message in MSA-2) or blank_id (AA with "
        "an empty MSA-2), optionally followed by @<milliseconds>");
  }
  return b;
}

Result<std::unique_ptr<Peer>> Peer::start(PeerConfig config, OnMessage on_message) {
  std::unique_ptr<Peer> peer(new Peer(std::move(config), std::move(on_message)));
  peer->port_ = peer->config_.listen_port;
  if (auto r = peer->listen(); !r) return r.error();
  peer->worker_ = std::thread([raw = peer.get()] { raw->run_worker(); });
  return peer;
}

Peer::~Peer() {
  stop();
  release_port();
}

// Binds the port without listening: a connection to it is refused, as to a free port, and the
// system gives it to no socket asking for any free port (see the header for what still can).
void Peer::reserve_port() {
  if (reserved_ >= 0) return;
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return;
  const int on = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port_);
  if (::inet_pton(AF_INET, config_.listen_address.c_str(), &addr.sin_addr) != 1 ||
      ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {  // NOLINT: POSIX sockets
    ::close(fd);  // an address we cannot bind again: the port is only as free as before
    return;
  }
  reserved_ = fd;
}

void Peer::release_port() {
  if (reserved_ >= 0) ::close(reserved_);
  reserved_ = -1;
}

Result<void> Peer::listen() {
  mllp::ServerConfig server;
  server.bind_address = config_.listen_address;
  server.port = port_;
  server.drain_timeout = std::chrono::milliseconds(500);
  auto started = mllp::Server::start(server, [this](const mllp::InboundMessage& m) { return answer(m); });
  if (!started) return started.error();
  server_ = std::move(started).value();
  port_ = server_->port();
  return {};
}

void Peer::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  changed_.notify_all();
  if (server_) server_->stop();
  if (worker_.joinable()) worker_.join();
}

void Peer::set_script(AckScript script) {
  std::lock_guard lock(mutex_);
  script_ = std::move(script);
}

void Peer::go_down() {
  if (server_) server_->stop();
  server_.reset();
  reserve_port();
  log_.record({0, "", config_.actor, "down", "", "", "", "stopped listening on port " + std::to_string(port_), {}});
}

Result<void> Peer::come_up() {
  release_port();
  if (auto r = listen(); !r) return r;
  log_.record({0, "", config_.actor, "up", "", "", "", "listening again on port " + std::to_string(port_), {}});
  return {};
}

void Peer::retarget(const std::string& host, std::uint16_t port) {
  std::lock_guard lock(mutex_);
  config_.target_host = host;
  config_.target_port = port;
}

std::string Peer::next_control_id() {
  std::lock_guard lock(mutex_);
  return fmt::format("{}{}-{}", config_.application, config_.seed, ++next_control_);
}

std::string Peer::next_timestamp() {
  std::uint64_t second = 0;
  {
    std::lock_guard lock(mutex_);
    second = next_second_++;
  }
  // 2026-01-01 08:00 plus a day per seed: readable, and the same for the same seed.
  const auto base = std::chrono::sys_days{std::chrono::year{2026} / 1 / 1} + std::chrono::hours(8) +
                    std::chrono::days(config_.seed % 365);
  const auto at = base + std::chrono::seconds(second);
  return fmt::format("{:%Y%m%d%H%M%S}", std::chrono::floor<std::chrono::seconds>(at));
}

std::string Peer::answer(const mllp::InboundMessage& message) {
  Received r;
  r.payload = message.payload;
  AckBehaviour behaviour;
  {
    std::lock_guard lock(mutex_);
    const auto n = ++arrivals_;  // counted on arrival: a held answer does not shift the script
    const auto found = script_.by_message.find(n);
    behaviour = found == script_.by_message.end() ? script_.otherwise : found->second;
  }
  auto parsed = hl7::parse(message.payload);
  if (parsed) {
    r.message_type = hl7::message_type(*parsed).name();
    if (const auto msh = hl7::first<hl7::Msh>(*parsed)) r.control_id = msh->control_id();
  }
  if (behaviour.delay.count() > 0) {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, behaviour.delay, [&] { return stopping_; });
  }
  std::string reply;
  switch (behaviour.kind) {
    case AckBehaviour::Kind::accept: r.answered = "AA"; break;
    case AckBehaviour::Kind::error: r.answered = "AE"; break;
    case AckBehaviour::Kind::reject: r.answered = "AR"; break;
    case AckBehaviour::Kind::no_answer: r.answered = "none"; break;
    case AckBehaviour::Kind::drop: r.answered = "dropped"; break;
    case AckBehaviour::Kind::wrong_id: r.answered = "wrong_id"; break;
    case AckBehaviour::Kind::blank_id: r.answered = "blank_id"; break;
  }
  const bool answers = r.answered != "none" && r.answered != "dropped";
  if (parsed && answers) {
    const auto outcome = r.answered == "AE"   ? hl7::Outcome::error
                         : r.answered == "AR" ? hl7::Outcome::rejected
                                              : hl7::Outcome::accepted;
    auto ack = hl7::build_ack(*parsed, outcome, {}, {next_control_id(), next_timestamp(), ""});
    if (r.answered == "wrong_id") (void)ack.set("MSA-2", r.control_id + "X");
    if (r.answered == "blank_id") (void)ack.set("MSA-2", "");
    reply = ack.serialize();
  } else if (!parsed && r.answered != "none" && r.answered != "dropped") {
    reply = hl7::build_reject(parsed.error(), {next_control_id(), next_timestamp(), ""}).serialize();
    r.answered = "AR";
  }
  log_.record({0, "", config_.actor, "received", r.message_type, r.control_id, r.answered, "", {}});
  {
    std::lock_guard lock(mutex_);
    received_.push_back(r);
    if (on_message_ && kept(r) && r.answered != "none") pending_.push_back(r);
  }
  changed_.notify_all();
  if (reply.empty()) throw mllp::CloseWithoutReply("scripted: no answer");
  return reply;
}

void Peer::run_worker() {
  for (;;) {
    Received next;
    {
      std::unique_lock lock(mutex_);
      changed_.wait(lock, [&] { return stopping_ || !pending_.empty(); });
      if (stopping_) return;
      next = std::move(pending_.front());
      pending_.pop_front();
    }
    on_message_(next);
  }
}

SendResult Peer::send(const std::string& er7, const GroundTruth& truth) {
  SendResult result;
  std::string type;
  if (auto parsed = hl7::parse(er7)) {
    type = hl7::message_type(*parsed).name();
    if (const auto msh = hl7::first<hl7::Msh>(*parsed)) result.control_id = msh->control_id();
  }
  mllp::ClientConfig client;
  {
    std::lock_guard lock(mutex_);
    client.host = config_.target_host;
    client.port = config_.target_port;
    client.reply_timeout = config_.reply_timeout;
  }
  auto connected = mllp::Client::connect(client);
  Result<std::string> reply = connected ? connected.value()->exchange(er7) : Result<std::string>(connected.error());
  if (!reply) {
    result.ack = "none";
    result.error = reply.error().message();
    result.not_sent = !connected;
  } else if (auto ack = hl7::read_ack(*reply)) {
    result.acknowledged_id = ack->acknowledged_id;
    if (const auto why = hl7::not_an_answer_to(*ack, result.control_id)) {
      // An ACK for another message (or for none) says nothing about this one: no answer.
      result.ack = "none";
      result.error = *why;
    } else {
      result.ack = ack->code;
      result.text = ack->text;
    }
  } else {
    result.ack = "none";
    result.error = "unreadable answer: " + ack.error().message();
  }
  log_.record({0, "", config_.actor, "sent", type, result.control_id, result.ack,
               result.error.empty() ? result.text : result.error, truth});
  return result;
}

std::vector<Received> Peer::received() const {
  std::lock_guard lock(mutex_);
  return received_;
}

std::vector<Received> Peer::wait_for(std::size_t n, std::chrono::milliseconds patience) const {
  std::unique_lock lock(mutex_);
  changed_.wait_for(lock, patience, [&] { return received_.size() >= n || stopping_; });
  return received_;
}

}  // namespace radloop::hl7sim
