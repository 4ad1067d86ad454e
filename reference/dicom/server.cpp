// The accept loop and the association threads behind dicom::Server.
//
//   listen socket --poll--> thread per connection: ASC_receiveAssociation --> AssociationHandler
//        ^ wake pipe (stop)                                                \-> over the limit: A-ASSOCIATE-RJ
#include "reference/dicom/server.hpp"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmnet/dcmtrans.h>
#include <dcmtk/dcmnet/diutil.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <list>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "reference/dicom/internal/acceptor_network.hpp"
#include "reference/dicom/internal/association_handler.hpp"
#include "reference/dicom/internal/commitment_reporter.hpp"
#include "reference/dicom/internal/dcmtk_runtime.hpp"
#include "reference/dicom/internal/guarded_connection.hpp"
#include "reference/dicom/internal/instance_header.hpp"
#include "reference/dicom/internal/instance_store.hpp"
#include "reference/dicom/internal/scp_config.hpp"
#include "reference/dicom/internal/storage_commitment.hpp"
#include "reference/dicom/internal/storage_contexts.hpp"

namespace radloop::dicom {

std::string_view to_string(AssociationEvent::Kind kind) {
  switch (kind) {
    case AssociationEvent::Kind::accepted: return "accepted";
    case AssociationEvent::Kind::rejected: return "rejected";
    case AssociationEvent::Kind::echo: return "echo";
    case AssociationEvent::Kind::released: return "released";
    case AssociationEvent::Kind::aborted: return "aborted";
    case AssociationEvent::Kind::context_rejected: return "context_rejected";
    case AssociationEvent::Kind::instance_conflict: return "instance_conflict";
    case AssociationEvent::Kind::store_failed: return "store_failed";
    case AssociationEvent::Kind::worklist_query: return "worklist_query";
    case AssociationEvent::Kind::storage_commitment: return "storage_commitment";
    case AssociationEvent::Kind::query: return "query";
    case AssociationEvent::Kind::mpps: return "mpps";
  }
  return "unknown";
}

std::string_view to_string(InstanceRecord::Outcome outcome) {
  switch (outcome) {
    case InstanceRecord::Outcome::stored: return "stored";
    case InstanceRecord::Outcome::duplicate: return "duplicate";
    case InstanceRecord::Outcome::conflict: return "conflict";
  }
  return "unknown";
}

std::vector<std::string> ServerConfig::default_transfer_syntaxes() {
  return {UID_LittleEndianExplicitTransferSyntax,
          UID_LittleEndianImplicitTransferSyntax,
          UID_BigEndianExplicitTransferSyntax,
          UID_DeflatedExplicitVRLittleEndianTransferSyntax,
          UID_JPEGProcess1TransferSyntax,
          UID_JPEGProcess14SV1TransferSyntax,
          UID_JPEGLSLosslessTransferSyntax,
          UID_JPEGLSLossyTransferSyntax,
          UID_RLELosslessTransferSyntax,
          UID_JPEG2000LosslessOnlyTransferSyntax,
          UID_JPEG2000TransferSyntax};
}

namespace {

// DcmTransportConnection keeps its descriptor protected; a derived class may name the member,
// and the pointer to it then works on any connection. Used only to shutdown() on stop.
struct SocketOf : DcmTransportConnection {
  static int get(T_ASC_Association* assoc) {
    DcmTransportConnection* connection = DUL_getTransportConnection(assoc->DULassociation);
    return (connection->*(&SocketOf::getSocket))();
  }
};

void drop(T_ASC_Association*& assoc) {
  if (assoc == nullptr) return;
  ASC_dropSCPAssociation(assoc);
  ASC_destroyAssociation(&assoc);
}

}  // namespace

class Server::Impl {
 public:
  Impl(ServerConfig config, EventObserver observer, InstanceSink sink)
      : config_(std::move(config)),
        observer_(std::move(observer)),
        scp_config_(internal::make_scp_config(config_)),
        storage_contexts_(config_.storage_sop_classes, config_.transfer_syntaxes),
        store_(config_, std::move(sink)),
        reporter_(config_.ae_title, config_.dimse_timeout, config_.report_retry, config_.commitment_sink),
        mpps_(config_.performed_steps) {
    config_.performed_steps.clear();  // the registry has them now; one copy is enough
  }

  Result<void> start() {
    internal::PduLimits pdu_limits;
    pdu_limits.max_pdata_bytes = internal::announced_max_pdu(config_.max_pdu_bytes);
    pdu_limits.command = config_.dataset_limits;
    auto network = internal::AcceptorNetwork::open(config_.bind_address, config_.port, config_.acse_timeout, pdu_limits,
                                                   config_.tls, [this](int fd) { on_accepted(fd); });
    if (!network) return network.error();
    network_.emplace(std::move(network).value());
    if (auto prepared = store_.prepare(); !prepared) return prepared.error();
    if (::pipe2(wake_.data(), O_CLOEXEC) != 0) return Error{Errc::internal, "dicom server", "cannot create a pipe"};
    accept_thread_ = std::thread([this] { accept_loop(); });
    spdlog::info("dicom: {} listening on {}:{}", config_.ae_title, config_.bind_address, network_->port());
    // Reports an earlier run answered for and could not deliver: owed still, sent now.
    if (!config_.owed_reports.empty()) {
      spdlog::info("dicom: {} storage commitment reports owed from before the start", config_.owed_reports.size());
    }
    for (auto& owed : config_.owed_reports) {
      AssociationEvent event{AssociationEvent::Kind::storage_commitment, owed.peer.ae_title, config_.ae_title, "",
                             "owed from before the start: " + internal::summarize(owed.report)};
      reporter_.post(std::move(owed), internal::report_outcome(observer_, counters_, std::move(event)));
    }
    config_.owed_reports.clear();
    return {};
  }

  ~Impl() {
    stop();
    for (int fd : wake_) {
      if (fd >= 0) ::close(fd);
    }
  }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  void stop() {
    std::unique_lock lock(mutex_);
    if (stopping_ || !accept_thread_.joinable()) return;
    stopping_ = true;
    lock.unlock();
    changed_.notify_all();
    const char byte = 0;
    (void)!::write(wake_[1], &byte, 1);
    accept_thread_.join();
    lock.lock();
    // Wake every connection blocked on the network, in its handshake or later; each ends.
    for (const auto& [fd, since] : active_sockets_) ::shutdown(fd, SHUT_RDWR);
    lock.unlock();
    for (auto& worker : workers_) worker.thread.join();
    workers_.clear();
    reporter_.stop();
  }

  [[nodiscard]] std::uint16_t port() const { return network_->port(); }
  [[nodiscard]] ServerStats stats() const {
    ServerStats stats;
    stats.associations_accepted = counters_.associations_accepted;
    stats.associations_rejected = counters_.associations_rejected;
    stats.associations_cut = counters_.associations_cut;
    stats.echoes_answered = counters_.echoes_answered;
    stats.instances_stored = store_.stored;
    stats.duplicates = store_.duplicates;
    stats.conflicts = store_.conflicts;
    stats.conflicts_refused = store_.conflicts_refused;
    stats.store_failures = store_.failures;
    stats.contexts_rejected = counters_.contexts_rejected;
    stats.worklist_queries = counters_.worklist_queries;
    stats.worklist_matches = counters_.worklist_matches;
    stats.commitment_requests = counters_.commitment_requests;
    stats.commitment_failed_refs = counters_.commitment_failed_refs;
    stats.commitment_reports_sent = counters_.commitment_reports_sent;
    stats.queries = counters_.queries;
    stats.mpps_created = counters_.mpps_created;
    stats.mpps_updated = counters_.mpps_updated;
    stats.mpps_refused = counters_.mpps_refused;
    stats.datasets_refused = counters_.datasets_refused;
    stats.pdu_refusals = counters_.pdu_refusals;
    stats.connections_closed = counters_.connections_closed;
    return stats;
  }
  [[nodiscard]] std::vector<PerformedProcedureStep> performed_steps() const { return mpps_.all(); }

  StoreOutcome store_part10(std::string_view bytes, const std::string& source) {
    StoreOutcome outcome;
    if (!store_.enabled()) return {0xA700, "storage is off: no storage folder is configured", "", ""};
    const auto temp = store_.temp_path();
    {
      std::ofstream out(temp, std::ios::binary | std::ios::trunc);
      out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
      if (!out) {
        std::error_code ec;
        std::filesystem::remove(temp, ec);
        return {0xA700, "cannot write " + temp, "", ""};
      }
    }
    auto header = internal::read_instance_header(temp, bytes, config_.dataset_limits);
    if (!header) {
      std::error_code ec;
      std::filesystem::remove(temp, ec);
      ++store_.failures;
      const auto& e = header.error();
      return {0xC000,
              e.code == Errc::dicom_refused ? e.detail + " (" + e.where + ", refused before parsing)"
                                            : "not a DICOM Part 10 file: " + e.detail,
              "", ""};
    }
    outcome.sop_class_uid = header->sop_class_uid;
    outcome.sop_instance_uid = header->sop_instance_uid;
    // The same policy a C-STORE meets at association time: the class and transfer syntax offered.
    const auto& classes = config_.storage_sop_classes;
    const auto& syntaxes = config_.transfer_syntaxes;
    std::string refusal;
    if (!classes.empty() && std::find(classes.begin(), classes.end(), header->sop_class_uid) == classes.end()) {
      refusal = "SOP class " + header->sop_class_uid + " is not accepted here";
    } else if (std::find(syntaxes.begin(), syntaxes.end(), header->transfer_syntax_uid) == syntaxes.end()) {
      refusal = "transfer syntax " + header->transfer_syntax_uid + " is not accepted here";
    }
    if (!refusal.empty()) {
      std::error_code ec;
      std::filesystem::remove(temp, ec);
      ++store_.failures;
      outcome.status = 0x0122;  // SOP class not supported
      outcome.detail = refusal;
      return outcome;
    }
    const auto reply = store_.commit(temp, header->sop_class_uid, header->sop_instance_uid, source, nullptr);
    outcome.status = reply.status;
    outcome.detail = reply.detail;
    return outcome;
  }

 private:
  struct Worker {
    std::thread thread;
    bool done = false;  // guarded by mutex_
  };

  // Connections past this many (in their handshake or associated) wait in the listen backlog.
  [[nodiscard]] std::size_t connection_cap() const { return config_.max_associations + kHandshakeAllowance; }
  static constexpr std::size_t kHandshakeAllowance = 16;

  // One thread per connection, started as soon as poll() sees it waiting: the thread accepts it
  // and reads the A-ASSOCIATE-RQ, so a peer that connects and says nothing (until the ARTIM
  // timeout) holds up only itself. The loop waits only until that thread has accepted.
  void accept_loop() {
    while (true) {
      std::array<pollfd, 2> fds{pollfd{network_->listen_fd(), POLLIN, 0}, pollfd{wake_[0], POLLIN, 0}};
      // Woken once a second at least, to end associations that have lasted too long.
      const int ready = ::poll(fds.data(), fds.size(), 1000);
      cut_overlong();
      if (ready == 0) continue;
      if (ready < 0) {
        if (errno == EINTR) continue;
        spdlog::error("dicom: poll failed on the listen socket: {}", std::strerror(errno));
        return;
      }
      if (fds[1].revents != 0) return;
      if ((fds[0].revents & POLLIN) == 0) continue;

      std::unique_lock lock(mutex_);
      reap_finished();
      if (workers_.size() >= connection_cap()) {
        // Not for ever: the loop must come round to cut_overlong while every place is taken.
        changed_.wait_for(lock, std::chrono::seconds(1), [&] { return stopping_ || finished_ > 0; });
        continue;
      }
      const auto accepted_before = accepted_;
      auto& worker = workers_.emplace_back();
      worker.thread = std::thread([this, &worker] {
        // The last line of defence; the association handler catches first, with the association
        // aborted cleanly (association_handler.cpp).
        try {
          serve_connection();
        } catch (const std::exception& e) {
          spdlog::error("dicom: a connection's thread failed: {}; the server keeps running", e.what());
        } catch (...) {
          spdlog::error("dicom: a connection's thread failed; the server keeps running");
        }
        if (took_connection) ++counters_.connections_closed;  // this thread took one, and is done with it
        {
          std::lock_guard done_lock(mutex_);
          worker.done = true;
          ++finished_;
        }
        changed_.notify_all();
      });
      changed_.wait(lock, [&] { return stopping_ || worker.done || accepted_ != accepted_before; });
    }
  }

  void reap_finished() {
    workers_.remove_if([](Worker& w) {
      if (!w.done) return false;
      w.thread.join();
      return true;
    });
    finished_ = 0;
  }

  // Runs inside ASC_receiveAssociation on the connection's own thread, right after accept().
  void on_accepted(int fd) {
    took_connection = true;
    // DCMTK sets TCP_NODELAY on accepted sockets only when the environment asks for it (see
    // dcmtk_runtime.cpp); set it here too so a user's TCP_NODELAY=0 cannot slow every reply.
    const int on = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    // Watched through a descriptor of our own: DCMTK closes its own when the association ends,
    // before forget() runs, and the next accept may get that number back; ours stays open (so
    // its number cannot be reused) until forget() closes it. shutdown() on either ends the socket.
    const int watch = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (watch < 0) {
      // Out of descriptors, say: a connection nothing could bound (deadlines, stop) is not served.
      spdlog::warn("dicom: cannot watch a connection ({}); closed at once", std::strerror(errno));
      ::shutdown(fd, SHUT_RDWR);
    }
    accepted_fd = watch;
    {
      std::lock_guard lock(mutex_);
      ++accepted_;
      if (watch >= 0) {
        active_sockets_.emplace(watch, std::chrono::steady_clock::now());
        if (stopping_) ::shutdown(watch, SHUT_RDWR);
      }
    }
    changed_.notify_all();
  }

  // An association may not last longer than max_association_duration, however busy it is: its
  // socket is shut down, DCMTK's next read fails and the association ends (aborted). Otherwise a
  // peer that sends a C-ECHO every 29 s would hold a place for ever.
  // Nor may a connection take longer than acse_timeout (and a second's grace) to ask: DCMTK bounds
  // each read of the request, not the whole, and runs a TLS handshake on a blocking socket whose
  // timeout each byte renews, so a peer trickling its handshake would otherwise hold a thread.
  void cut_overlong() {
    const auto now = std::chrono::steady_clock::now();
    std::lock_guard lock(mutex_);
    for (const auto& [fd, since] : active_sockets_) {
      if (cut_sockets_.contains(fd)) continue;
      const bool asking = !asked_.contains(fd);
      if (asking && now - since >= config_.acse_timeout + std::chrono::seconds(1)) {
        cut_sockets_.insert(fd);
        ::shutdown(fd, SHUT_RDWR);
        spdlog::warn("dicom: ended a connection that had not asked for an association within {} s (acse_timeout{})",
                     config_.acse_timeout.count(), config_.tls ? ", TLS handshake included" : "");
        continue;
      }
      if (now - since < config_.max_association_duration) continue;
      cut_sockets_.insert(fd);
      ++counters_.associations_cut;  // before the shutdown: whoever sees the end sees it counted
      ::shutdown(fd, SHUT_RDWR);
      spdlog::warn("dicom: ended a connection open for more than {} s (max_association_duration)",
                   config_.max_association_duration.count());
    }
  }

  // The connection's request has been read (or its reading failed): acse_timeout no longer applies.
  void asked(int fd) {
    if (fd < 0) return;
    std::lock_guard lock(mutex_);
    asked_.insert(fd);
  }

  // The connection ended: our descriptor for it (on_accepted) is dropped and closed.
  void forget(int fd) {
    if (fd < 0) return;
    std::lock_guard lock(mutex_);
    active_sockets_.erase(fd);
    cut_sockets_.erase(fd);
    asked_.erase(fd);
    ::close(fd);  // our own descriptor (on_accepted); DCMTK closes its own
  }

  void serve_connection() {
    accepted_fd = -1;
    took_connection = false;
    T_ASC_Association* assoc = nullptr;
    // Non-blocking with a zero timeout: poll already said a connection is waiting (if another
    // thread took it first, there is nothing to do). Reading the A-ASSOCIATE-RQ is bounded by
    // the ACSE timeout given to the network.
    const auto cond = ASC_receiveAssociation(network_->get(), &assoc, static_cast<long>(config_.max_pdu_bytes), nullptr,
                                             nullptr, config_.tls ? OFTrue : OFFalse, DUL_NOBLOCK, 0);
    const int fd = accepted_fd;
    asked(fd);
    if (cond == DUL_NOASSOCIATIONREQUEST) {
      forget(fd);  // nothing, unless a connection was taken and then said nothing
      ASC_destroyAssociation(&assoc);
      return;
    }
    const auto refused = internal::refusal_of(assoc);
    if (cond.bad() || refused) {
      ++counters_.associations_rejected;
      if (refused) ++counters_.pdu_refusals;
      const auto why = refused ? "refused: " + refused->where + ": " + refused->detail
                               : "unreadable association request: " + internal::describe(cond);
      const std::string peer =
          assoc != nullptr && assoc->params != nullptr ? assoc->params->DULparams.callingPresentationAddress : "";
      spdlog::warn("dicom: {}{}", peer.empty() ? "" : "from " + peer + ": ", why);
      internal::notify(observer_, AssociationEvent{AssociationEvent::Kind::rejected, "", "", peer, why});
      if (fd >= 0) forget(fd);
      drop(assoc);
      return;
    }
    // DCMTK reports success when the peer closed (or stop() shut the socket) before any
    // A-ASSOCIATE-RQ came; the request is then empty, without even an application context.
    const bool nothing_asked = assoc->params->DULparams.applicationContextName[0] == '\0';
    bool over_limit = false;
    bool stopping = false;
    {
      std::lock_guard lock(mutex_);
      stopping = stopping_;
      over_limit = associations_ >= config_.max_associations;
      if (!over_limit && !nothing_asked && !stopping) ++associations_;
    }
    if (nothing_asked || stopping) {
      if (nothing_asked && !stopping) {
        ++counters_.associations_rejected;
        internal::notify(observer_, AssociationEvent{AssociationEvent::Kind::rejected, "", "",
                                                     assoc->params->DULparams.callingPresentationAddress,
                                                     "the connection closed before an association request arrived"});
      }
      forget(fd);
      drop(assoc);
      return;
    }
    if (over_limit) {
      forget(fd);
      reject_over_limit(assoc);
      return;
    }
    // DCMTK set its own receive timeout (60 s) once it had read the request; the association's
    // reads are blocking, so this is what ends one that goes quiet.
    const timeval idle{static_cast<time_t>(config_.dimse_timeout.count()), 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &idle, sizeof idle);
    internal::AssociationHandler handler(config_, storage_contexts_, observer_, counters_, store_, reporter_, mpps_,
                                         assoc);
    handler.setSharedConfig(scp_config_);
    handler.run(assoc);
    forget(fd);  // the handler's destructor closes it
    std::lock_guard lock(mutex_);
    --associations_;
  }

  void reject_over_limit(T_ASC_Association*& assoc) {
    ++counters_.associations_rejected;
    AssociationEvent event{AssociationEvent::Kind::rejected, assoc->params->DULparams.callingAPTitle,
                           assoc->params->DULparams.calledAPTitle, assoc->params->DULparams.callingPresentationAddress,
                           "too many associations (limit " + std::to_string(config_.max_associations) + ")"};
    spdlog::warn("dicom: rejected association from {}: {}", event.peer, event.reason);
    T_ASC_RejectParameters rejection{ASC_RESULT_REJECTEDTRANSIENT, ASC_SOURCE_SERVICEPROVIDER_PRESENTATION_RELATED,
                                     ASC_REASON_SP_PRES_LOCALLIMITEXCEEDED};
    ASC_rejectAssociation(assoc, &rejection);
    drop(assoc);
    internal::notify(observer_, event);
  }

  // The descriptor the transport layer saw accepted on this thread.
  static thread_local int accepted_fd;
  static thread_local bool took_connection;  // accepted one, whether or not it could be watched

  ServerConfig config_;
  EventObserver observer_;
  std::optional<internal::AcceptorNetwork> network_;
  DcmSharedSCPConfig scp_config_;
  internal::StorageContexts storage_contexts_;
  internal::InstanceStore store_;
  internal::ServiceCounters counters_;  // before reporter_: its outcomes count into it until it stops
  internal::CommitmentReporter reporter_;
  MppsRegistry mpps_;
  std::array<int, 2> wake_{-1, -1};
  std::thread accept_thread_;
  std::mutex mutex_;
  std::condition_variable changed_;  // a connection was accepted, a worker finished, or stop
  bool stopping_ = false;
  std::uint64_t accepted_ = 0;
  std::size_t finished_ = 0;   // workers done since the last reap
  unsigned associations_ = 0;  // accepted and running
  std::list<Worker> workers_;
  // Each connection's descriptor and when it was accepted, for stop() and the duration limit.
  std::map<int, std::chrono::steady_clock::time_point> active_sockets_;
  std::set<int> asked_;        // connections whose association request has been read
  std::set<int> cut_sockets_;  // shut down for lasting too long, reported once
};

thread_local int Server::Impl::accepted_fd = -1;
thread_local bool Server::Impl::took_connection = false;

Result<std::unique_ptr<Server>> Server::start(ServerConfig config, EventObserver observer, InstanceSink on_instance) {
  if (config.ae_title.empty() || config.ae_title.size() > 16) {
    return Error{Errc::invalid_config, "ae_title", "\"" + config.ae_title + "\" must be 1 to 16 characters"};
  }
  if (config.transfer_syntaxes.empty()) {
    return Error{Errc::invalid_config, "transfer_syntaxes", "at least one transfer syntax must be accepted"};
  }
  internal::ensure_dcmtk_ready();
  auto impl = std::make_unique<Impl>(std::move(config), std::move(observer), std::move(on_instance));
  if (auto started = impl->start(); !started) return started.error();
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Server::~Server() = default;
std::uint16_t Server::port() const { return impl_->port(); }
ServerStats Server::stats() const { return impl_->stats(); }
std::vector<PerformedProcedureStep> Server::performed_steps() const { return impl_->performed_steps(); }
StoreOutcome Server::store_part10(std::string_view bytes, const std::string& source) {
  return impl_->store_part10(bytes, source);
}
void Server::stop() { impl_->stop(); }

}  // namespace radloop::dicom
