// Prometheus text for the pipeline's counters (see metrics.hpp).
#include "reference/portal/metrics.hpp"

#include <set>

namespace radloop::portal {
namespace {

std::string escaped(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::vector<Sample> pipeline_samples(const pipeline::PipelineStats& s) {
  const std::string hl7 = "radloop_hl7_messages_total";
  const std::string hl7_help = "HL7 messages answered, by the acknowledgement they got";
  const std::string stored = "radloop_dicom_instances_total";
  const std::string stored_help = "C-STORE requests, by what became of the instance";
  const std::string pruned = "radloop_inbound_raw_pruned_total";
  const std::string pruned_help =
      "Raw HL7 payloads the inbound log dropped: reached raw_retention_days (age) or past raw_max_megabytes (size)";
  return {
      {hl7, hl7_help, "counter", {{"outcome", "accepted"}}, s.hl7_accepted},
      {hl7, hl7_help, "counter", {{"outcome", "duplicate"}}, s.hl7_duplicates},
      {hl7, hl7_help, "counter", {{"outcome", "rejected"}}, s.hl7_rejected},
      {hl7, hl7_help, "counter", {{"outcome", "error"}}, s.hl7_errors},
      {hl7, hl7_help, "counter", {{"outcome", "invalid"}}, s.hl7_invalid},
      {hl7, hl7_help, "counter", {{"outcome", "control_id_reused"}}, s.hl7_control_id_reused},
      {pruned, pruned_help, "counter", {{"reason", "age"}}, s.raw_pruned_by_age},
      {pruned, pruned_help, "counter", {{"reason", "size"}}, s.raw_pruned_by_size},
      {"radloop_inbound_raw_retained_bytes",
       "Raw HL7 payload bytes the inbound log keeps, as of the last retention pass",
       "gauge",
       {},
       s.raw_retained_bytes},
      {"radloop_mllp_connections_total", "MLLP connections accepted", "counter", {}, s.mllp.connections_accepted},
      {"radloop_mllp_tls_handshakes_failed_total",
       "MLLP connections whose TLS handshake failed: a plain-TCP sender, an untrusted or missing client "
       "certificate",
       "counter",
       {},
       s.mllp.tls_handshakes_failed},
      {"radloop_mllp_connections_refused_total",
       "MLLP connections closed at once: over max_connections or max_connections_per_peer",
       "counter",
       {},
       s.mllp.connections_refused},
      {"radloop_mllp_connections_dropped_total",
       "MLLP connections closed by the server: oversize frame, idle or message deadline, buffer budget",
       "counter",
       {},
       s.mllp.connections_dropped},
      {"radloop_mllp_bytes_discarded_total",
       "Bytes seen outside any MLLP frame",
       "counter",
       {},
       s.mllp.bytes_discarded},
      {"radloop_dicom_associations_total",
       "DICOM associations, accepted or rejected",
       "counter",
       {{"outcome", "accepted"}},
       s.dicom.associations_accepted},
      {"radloop_dicom_associations_total",
       "DICOM associations, accepted or rejected",
       "counter",
       {{"outcome", "rejected"}},
       s.dicom.associations_rejected},
      {stored, stored_help, "counter", {{"outcome", "stored"}}, s.dicom.instances_stored},
      {stored, stored_help, "counter", {{"outcome", "duplicate"}}, s.dicom.duplicates},
      {stored, stored_help, "counter", {{"outcome", "conflict"}}, s.dicom.conflicts},
      {stored, stored_help, "counter", {{"outcome", "failed"}}, s.dicom.store_failures},
      {"radloop_dicom_conflict_copies_refused_total",
       "C-STOREs refused because their SOP Instance UID already has max_conflict_copies conflicting copies",
       "counter",
       {},
       s.dicom.conflicts_refused},
      {"radloop_dicom_contexts_rejected_total",
       "Presentation contexts refused",
       "counter",
       {},
       s.dicom.contexts_rejected},
      {"radloop_dicom_mpps_total",
       "MPPS requests, by outcome",
       "counter",
       {{"outcome", "created"}},
       s.dicom.mpps_created},
      {"radloop_dicom_mpps_total",
       "MPPS requests, by outcome",
       "counter",
       {{"outcome", "updated"}},
       s.dicom.mpps_updated},
      {"radloop_dicom_mpps_total",
       "MPPS requests, by outcome",
       "counter",
       {{"outcome", "refused"}},
       s.dicom.mpps_refused},
      {"radloop_dicom_datasets_refused_total",
       "Request data sets refused before parsing: over a limit on depth, elements or size, or unreadable",
       "counter",
       {},
       s.dicom.datasets_refused},
      {"radloop_dicom_pdu_refusals_total",
       "Associations ended by the PDU guard: a command set over its size or shape, a PDU longer than its type "
       "allows, broken framing",
       "counter",
       {},
       s.dicom.pdu_refusals},
      {"radloop_store_commits_total", "Store transactions committed, each one flush", "counter", {}, s.store.commits},
      {"radloop_store_transactions_lost_total",
       "Store transactions SQLite rolled back by itself (store or disk full, I/O error, out of memory); every "
       "unit in them was answered as failed",
       "counter",
       {},
       s.store.transactions_lost},
      {"radloop_dicom_commitment_failed_references_total",
       "Storage commitment references reported as failed",
       "counter",
       {},
       s.dicom.commitment_failed_refs},
  };
}

std::string prometheus_text(const std::vector<Sample>& samples) {
  std::string out;
  std::set<std::string> described;
  for (const auto& s : samples) {
    if (described.insert(s.name).second) {
      for (const auto& [kind, text] : {std::pair{"# HELP ", &s.help}, std::pair{"# TYPE ", &s.type}}) {
        out += kind;
        out += s.name;
        out += ' ';
        out += *text;
        out += '\n';
      }
    }
    out += s.name;
    if (!s.labels.empty()) {
      out += '{';
      for (std::size_t i = 0; i < s.labels.size(); ++i) {
        if (i > 0) out += ',';
        out += s.labels[i].first;
        out += "=\"";
        out += escaped(s.labels[i].second);
        out += '"';
      }
      out += '}';
    }
    out += ' ';
    out += std::to_string(s.value);
    out += '\n';
  }
  return out;
}

}  // namespace radloop::portal
