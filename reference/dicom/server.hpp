// The DICOM application entity the reference pipeline runs: association policy and services.
// No DCMTK type crosses this header.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "reference/core/result.hpp"
#include "reference/core/tls.hpp"
#include "reference/dicom/commitment.hpp"
#include "reference/dicom/events.hpp"
#include "reference/dicom/instance.hpp"
#include "reference/dicom/limits.hpp"
#include "reference/dicom/mpps.hpp"
#include "reference/dicom/worklist.hpp"

namespace radloop::dicom {

// A calling AE title the server talks to, optionally only from one host (an IP address).
struct AllowedCaller {
  std::string ae_title;  // compared byte for byte, as real devices do
  std::string host;      // empty: from any host
};

struct ServerConfig {
  std::string ae_title = "RADLOOP";  // called AE must match exactly, case included
  std::string bind_address = "127.0.0.1";
  std::uint16_t port = 0;  // 0 = ephemeral; read it from Server::port()
  // Concurrent associations; more are rejected (local limit exceeded). Connections still in their
  // handshake do not count: each waits on its own thread, up to acse_timeout.
  unsigned max_associations = 8;
  // Empty: any calling AE from any host. Otherwise only these; a known AE from another host is
  // rejected as "calling host not allowed", an unknown AE as "calling AE title not recognized".
  std::vector<AllowedCaller> allowed_callers;
  std::uint32_t max_pdu_bytes = 65536;
  std::chrono::seconds acse_timeout{30};  // ARTIM: a peer that connects must ask within this
  // DICOM over TLS (PS3.15 B.1, BCP 195 ciphers): every association on the port, the handshake
  // bounded by acse_timeout. Absent: plain TCP.
  std::optional<radloop::ServerTls> tls = std::nullopt;
  std::chrono::seconds dimse_timeout{30};  // an idle association is aborted after this
  // Nor may a busy one last for ever: it is ended after this, whatever it is doing (a study of
  // thousands of instances takes minutes on a LAN).
  std::chrono::seconds max_association_duration{3600};
  // How deep, how many elements and (in memory) how large a peer's data set may be; checked
  // before anything parses it. Over a limit: the request's failure status with an Error Comment.
  DatasetLimits dataset_limits;

  // Storage SOP classes accepted for C-STORE; empty: every storage class DCMTK knows.
  std::vector<std::string> storage_sop_classes;
  // Transfer syntaxes accepted for storage, in order of preference; instances are kept as received.
  std::vector<std::string> transfer_syntaxes = default_transfer_syntaxes();
  // Where instances are written: <storage_dir>/<Study UID>/<Series UID>/<SOP Instance UID>.dcm.
  // Empty: every C-STORE is refused with 0xA700 (out of resources).
  std::string storage_dir;
  // How far a file is flushed before the C-STORE is answered with success.
  enum class Durability { none, file, file_and_directory };
  Durability durability = Durability::file_and_directory;
  // A defect, never on in a real configuration: an instance sent again with another data set
  // silently replaces the stored one and is answered with success.
  bool overwrite_conflicts = false;
  // Conflicting copies kept per SOP Instance UID (.conflicts/<uid>.<n>.dcm). A peer that resends
  // one UID with ever other contents would otherwise fill the disk: past this the C-STORE is
  // refused with 0xA700 and an Error Comment, logged and counted. The same conflicting data set
  // again is answered as before without another copy.
  unsigned max_conflict_copies = 10;
  // A defect too: the called AE title is compared without regard to case.
  bool called_ae_any_case = false;
  // With storage on, Storage Commitment (push model) and Patient/Study Root C-FIND over what is
  // stored are offered too. A commitment report goes back on the requesting association, or on a
  // new association to the requester's entry in commitment_peers; with no entry there it is not
  // sent at all (an event says so), as an archive that does not know the AE behaves.
  enum class CommitmentReply { same_association, new_association };
  // Asked, when set, before an instance is reported committed: the store's durable index must
  // hold it, and its file must be on disk with the size indexed (the file alone could be one
  // whose C-STORE was never answered, or one cut short since).
  IndexedInstance indexed_instance;
  CommitmentReply commitment_reply = CommitmentReply::same_association;
  std::vector<CommitmentPeer> commitment_peers;
  // Reports owed on a new association: kept by commitment_sink (if set) before the N-ACTION is
  // answered, tried again per report_retry while the requester cannot be reached, and settled once
  // answered or given up. owed_reports are those an earlier run still owed: sent at start.
  CommitmentSink commitment_sink;
  ReportRetry report_retry;
  std::vector<OwedReport> owed_reports;
  // Modality Performed Procedure Step (N-CREATE, N-SET) is offered unless this is off. Each step
  // created or changed is kept by mpps_sink (if set) before it is answered: success only once it
  // is kept, 0x0110 with the reason otherwise. Then it is handed to mpps_observer (if set).
  bool offer_mpps = true;
  MppsSink mpps_sink;
  MppsObserver mpps_observer;
  // The steps a store kept from an earlier run: N-SET goes on with them after a restart.
  std::vector<PerformedProcedureStep> performed_steps;
  // Answers Modality Worklist C-FIND queries; null: the worklist service is not offered.
  std::shared_ptr<const OrderSource> order_source;

  static std::vector<std::string> default_transfer_syntaxes();
};

struct ServerStats {
  std::uint64_t associations_accepted = 0;
  std::uint64_t associations_rejected = 0;
  std::uint64_t associations_cut = 0;  // ended for lasting longer than max_association_duration
  std::uint64_t echoes_answered = 0;
  std::uint64_t instances_stored = 0;
  std::uint64_t duplicates = 0;         // same SOP Instance UID, same bytes: answered success, not kept twice
  std::uint64_t conflicts = 0;          // same SOP Instance UID, other bytes: kept aside (or sent again), 0xB000
  std::uint64_t conflicts_refused = 0;  // past max_conflict_copies: 0xA700, also in store_failures
  std::uint64_t store_failures = 0;
  std::uint64_t contexts_rejected = 0;
  std::uint64_t worklist_queries = 0;         // C-FIND requests received, answered or refused
  std::uint64_t worklist_matches = 0;         // pending responses sent
  std::uint64_t commitment_requests = 0;      // N-ACTIONs answered with success
  std::uint64_t commitment_failed_refs = 0;   // references reported as failed
  std::uint64_t commitment_reports_sent = 0;  // N-EVENT-REPORTs the requester answered with success
  std::uint64_t queries = 0;                  // Patient/Study Root C-FIND requests received
  std::uint64_t mpps_created = 0;
  std::uint64_t mpps_updated = 0;
  std::uint64_t mpps_refused = 0;  // N-CREATE or N-SET answered with a failure
  // Request data sets (identifiers, N-ACTION, N-CREATE, N-SET) over a limit or unreadable,
  // refused before parsing. Instances refused so count as store failures.
  std::uint64_t datasets_refused = 0;
  // Associations ended by the PDU guard (internal/pdu_guard.hpp): a command set over its size or
  // shape, a PDU longer than its type allows, broken PDV framing. Each also has its event.
  std::uint64_t pdu_refusals = 0;
  // Connections whose thread has finished with them, whatever became of them.
  std::uint64_t connections_closed = 0;
};

// What storing an instance outside an association came to: the DIMSE status a C-STORE of it
// would have been answered with, and why when it is not success.
struct StoreOutcome {
  std::uint16_t status = 0;
  std::string detail;
  std::string sop_class_uid;
  std::string sop_instance_uid;
};

class Server {
 public:
  static Result<std::unique_ptr<Server>> start(ServerConfig config, EventObserver observer = {},
                                               InstanceSink on_instance = {});
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  [[nodiscard]] std::uint16_t port() const;
  [[nodiscard]] ServerStats stats() const;
  // Stores a DICOM Part 10 file (as STOW-RS receives it) through the C-STORE path: the same
  // checks, durability and instance sink; `source` stands where a calling AE title would.
  StoreOutcome store_part10(std::string_view bytes, const std::string& source);
  // The performed procedure steps this server holds (those of mpps_sink's store included).
  [[nodiscard]] std::vector<PerformedProcedureStep> performed_steps() const;
  // Stops accepting, aborts open associations and waits for their threads.
  void stop();

  class Impl;

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace radloop::dicom
