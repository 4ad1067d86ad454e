// The rows the store keeps, as plain records: patients, orders, studies, reports, review items,
// the outbox, the audit log and the landing stages. Times are milliseconds since the Unix epoch.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace radloop::store {

using Millis = std::int64_t;

// One inbound HL7 message as received, before anything is applied from it.
struct InboundMessage {
  std::string sender;        // MSH-3^MSH-4, the sending application and facility
  std::string control_id;    // MSH-10
  std::string message_type;  // MSH-9, e.g. "ADT^A04"
  std::string raw;           // the payload as framed on the wire
  std::string peer;          // transport address it came from
  std::string outcome;       // what applying it did, in words (empty until applied)
  // What a resend must match (hl7::resend_digest); kept after the payload itself is pruned, so a
  // resend is still told from another message under the same control ID.
  std::string digest;
  std::string pruned_at;  // when retention dropped `raw` (ISO 8601 UTC); empty while it is kept
};

// What one pass of the raw-payload retention dropped, and what it kept.
struct RawPruning {
  std::int64_t digested = 0;  // messages logged without a digest that were given one
  std::int64_t by_age = 0;    // payloads older than the retention period
  std::int64_t by_size = 0;   // the oldest payloads past the size cap
  std::int64_t retained_bytes = 0;
  std::int64_t retained = 0;  // messages whose payload is still kept
};

struct LoggedMessage {
  std::int64_t id = 0;
  bool duplicate = false;  // sender + control ID were already logged; nothing new was written
};

struct PatientRecord {
  std::string mrn;
  std::string issuer;  // assigning authority; "" when the sender gave none
  std::string name;    // FAMILY^GIVEN^MIDDLE
  std::string birth_date;
  std::string sex;
  std::string merged_into_mrn;  // set when an A40 merged this identifier into another
  std::string merged_into_issuer;
  Millis updated_at = 0;
};

// Order status lifecycle: NW -> SC -> IP -> CM, or CA (cancelled) / DC (discontinued).
struct OrderRecord {
  std::int64_t id = 0;  // the store's key; 0 before the first put
  std::string placer;   // ORC-2 / OBR-2
  std::string filler;   // ORC-3 / OBR-3
  std::string accession;
  std::string patient_mrn;
  std::string patient_issuer;
  std::string procedure_code;
  std::string procedure_system;
  std::string procedure_text;
  std::string modality;
  std::string scheduled;  // YYYYMMDD[HHMM[SS]]
  std::string station_ae;
  std::string referring;
  std::string status = "NW";
  std::string study_uid;   // from ZDS-1 when the order carried one
  bool collision = false;  // another open order uses the same accession
  Millis updated_at = 0;
};

struct OrderHistoryRecord {
  Millis at = 0;
  std::string status;
  std::string detail;  // what changed it: "ORM NW from RIS^RADIOLOGY (control 42)", "MPPS completed"
};

// A study as indexed, and where reconciliation left it.
struct StudyRecord {
  enum class State : std::uint8_t { pending, review, linked, rejected };
  std::string study_uid;
  std::string patient_mrn;
  std::string patient_issuer;
  std::string patient_name;
  std::string accession;
  std::string modality;
  std::string study_date;
  std::string study_time;
  std::string description;
  std::string source;  // calling AE title of the first instance
  State state = State::pending;
  std::string reason;         // the rule's reason code
  std::int64_t order_id = 0;  // when linked
  Millis received_at = 0;
  Millis updated_at = 0;
};

std::string_view to_string(StudyRecord::State state);
std::optional<StudyRecord::State> study_state_from(std::string_view text);

// One version of a report: every status (P, F, C) and every addendum is a row of its own.
struct ReportRecord {
  std::int64_t id = 0;
  std::int64_t order_id = 0;  // 0 while it is not tied to an order (pending or in review)
  std::string accession;
  std::string patient_mrn;
  std::string patient_issuer;
  int version = 0;     // 1, 2, ... per accession, in arrival order
  std::string status;  // P, F, C, X
  std::string kind;    // oru, sr, pdf
  std::string control_id;
  std::string body;  // the report record as JSON
  Millis received_at = 0;
};

struct ReviewRecord {
  enum class State : std::uint8_t { open, linked, rejected };
  std::int64_t id = 0;
  std::string kind;     // study, report
  std::string subject;  // the Study Instance UID, or the report row ID
  std::string reason;
  std::string explanation;
  std::string evidence;    // JSON object: what the subject said (patient, accession, ...)
  std::string candidates;  // JSON array, ranked
  State state = State::open;
  std::string order_id;  // when linked: the order's store ID
  Millis opened_at = 0;
  Millis closed_at = 0;
};

std::string_view to_string(ReviewRecord::State state);
std::optional<ReviewRecord::State> review_state_from(std::string_view text);

// A Modality Performed Procedure Step as the DICOM service last left it. The store keeps the
// step whole (body, JSON written by the pipeline) and the keys it is looked up by.
struct PerformedStepRecord {
  std::string sop_instance_uid;
  std::string status;  // IN PROGRESS, COMPLETED, DISCONTINUED
  std::string accession;
  std::string body;
  Millis updated_at = 0;
};

// A Storage Commitment report owed to a requester on an association of its own. The DICOM service
// has it kept before it answers the N-ACTION, so a restart does not lose it; body is the report
// as JSON, written by the pipeline.
struct CommitmentReportRecord {
  std::int64_t id = 0;  // set when first kept
  std::string transaction_uid;
  std::string peer_ae;
  std::string peer_host;
  int peer_port = 0;
  std::string body;
  Millis owed_since = 0;
  std::string state = "owed";  // owed, answered (the requester answered it), given_up
  std::string outcome;         // what became of it, in words
  Millis settled_at = 0;
};

struct AuditRecord {
  Millis at = 0;
  std::string actor;
  std::string action;  // open, link, relink, reject, merge
  std::string subject;
  std::string detail;
};

struct OutboxRecord {
  enum class State : std::uint8_t { queued, delivered, dead };
  std::int64_t sequence = 0;  // the order of queueing, across destinations
  std::string destination;
  std::string control_id;
  std::string payload;
  std::string subject;  // the accession it is about, for the landing tracker
  Millis queued_at = 0;
  Millis next_attempt = 0;
  int attempts = 0;
  State state = State::queued;
  std::string last_error;
  Millis delivered_at = 0;
};

std::string_view to_string(OutboxRecord::State state);

struct LandingRecord {
  std::string stage;
  Millis at = 0;
};

struct StoreCounts {
  std::int64_t inbound = 0;
  std::int64_t patients = 0;
  std::int64_t orders = 0;
  std::int64_t studies = 0;
  std::int64_t instances = 0;
  std::int64_t reports = 0;
  std::int64_t review_open = 0;
  std::int64_t orphans = 0;  // studies pending or in review: images with no order to land on
  std::int64_t outbox_queued = 0;
  std::int64_t dead_letters = 0;
};

// Search keys; an empty field does not constrain.
struct OrderFilter {
  std::string accession;
  std::string placer;
  std::string patient_mrn;
  std::string patient_issuer;
  std::string status;
  std::string study_uid;
  bool open_only = false;  // NW, SC, IP
  int limit = 1000;
};

struct StudyFilter {
  std::string study_uid;
  std::string accession;
  std::string patient_mrn;
  std::string patient_issuer;
  std::string date_from;  // YYYYMMDD, inclusive
  std::string date_to;
  std::optional<StudyRecord::State> state;
  std::int64_t order_id = 0;
  int limit = 1000;
};

struct ReportFilter {
  std::int64_t id = 0;
  std::string accession;
  std::string patient_mrn;
  std::string status;
  std::int64_t order_id = 0;
  bool untied = false;  // only versions not tied to an order
  int limit = 1000;
};

struct OutboxFilter {
  std::optional<OutboxRecord::State> state;
  std::string destination;
  std::string subject;
  std::int64_t after_sequence = 0;
  int limit = 1000;
};

struct MergeCounts {
  std::int64_t orders = 0;
  std::int64_t studies = 0;
  std::int64_t reports = 0;
};

}  // namespace radloop::store
