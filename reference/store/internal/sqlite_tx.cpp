// The store's queries over SQLite, and its schema migrations.
#include "reference/store/internal/sqlite_tx.hpp"

#include "reference/store/internal/query.hpp"
#include "reference/store/internal/rows.hpp"

#include <fmt/format.h>
#include <sqlite3.h>

#include <algorithm>
#include <cstdint>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace radloop::store::internal {
Result<void> SqliteTx::writable(const char* what) const {
  if (read_only_) return Error{Errc::store_failed, db_.path(), std::string(what) + " inside a read-only unit of work"};
  // A unit that carries on after SQLite rolled its transaction back would commit each statement
  // on its own, outside the batch that reports it.
  if (!db_.in_transaction()) {
    return Error{Errc::store_failed, db_.path(),
                 std::string(what) + " after SQLite rolled back the transaction of this unit of work"};
  }
  return {};
}

Result<LoggedMessage> SqliteTx::log_inbound(const InboundMessage& message) {
  if (auto w = writable("logging a message"); !w) return w.error();
  auto insert = db_.prepare(
      "INSERT INTO inbound_message (sender, control_id, message_type, peer, raw, outcome, raw_digest, raw_bytes) "
      "VALUES (?,?,?,?,?,?,?,?) ON CONFLICT (sender, control_id) DO NOTHING RETURNING id");
  if (!insert) return insert.error();
  insert->bind_all(message.sender, message.control_id, message.message_type, message.peer, message.raw, message.outcome,
                   message.digest, static_cast<std::int64_t>(message.raw.size()));
  const int rc = insert->step();
  if (rc == SQLITE_ROW) return LoggedMessage{insert->integer(0), false};
  if (rc != SQLITE_DONE) return db_.failure("logging the inbound message");
  // No row returned: the conflict clause fired, the message is already durable.
  auto existing = db_.prepare("SELECT id FROM inbound_message WHERE sender = ? AND control_id = ?");
  if (!existing) return existing.error();
  existing->bind_all(message.sender, message.control_id);
  if (existing->step() != SQLITE_ROW) return db_.failure("finding the earlier copy of a duplicate");
  return LoggedMessage{existing->integer(0), true};
}

Result<void> SqliteTx::set_inbound_outcome(std::int64_t id, const std::string& outcome) {
  if (auto w = writable("recording an outcome"); !w) return w;
  auto update = db_.prepare("UPDATE inbound_message SET outcome = ? WHERE id = ?");
  if (!update) return update.error();
  update->bind_all(outcome, id);
  return db_.run(*update, "recording what a message did");
}

Result<std::optional<InboundMessage>> SqliteTx::find_inbound(const std::string& sender, const std::string& control_id) {
  auto query = db_.prepare(
      "SELECT sender, control_id, message_type, raw, peer, outcome, raw_digest, raw_pruned_at FROM inbound_message "
      "WHERE sender = ? AND control_id = ?");
  if (!query) return query.error();
  query->bind_all(sender, control_id);
  const int rc = query->step();
  if (rc == SQLITE_DONE) return std::optional<InboundMessage>{};
  if (rc != SQLITE_ROW) return db_.failure("looking up an inbound message");
  return std::optional<InboundMessage>{InboundMessage{query->text(0), query->text(1), query->text(2), query->text(3),
                                                      query->text(4), query->text(5), query->text(6), query->text(7)}};
}

Result<std::int64_t> SqliteTx::count_inbound_from(const std::string& sender) {
  auto query = db_.prepare("SELECT count(*) FROM inbound_message WHERE sender = ?");
  if (!query) return query.error();
  query->bind(1, sender);
  if (query->step() != SQLITE_ROW) return db_.failure("counting a sender's messages");
  return query->integer(0);
}

Result<std::int64_t> SqliteTx::count_inbound_records(const std::string& sender, const std::string& control_id) {
  // substr, not LIKE: a control ID may hold % or _.
  auto query = db_.prepare(
      "SELECT count(*) FROM inbound_message WHERE sender = ?1 AND (control_id = ?2 OR "
      "substr(control_id, 1, length(?2) + 6) = ?2 || '~again')");
  if (!query) return query.error();
  query->bind(1, sender);
  query->bind(2, control_id);
  if (query->step() != SQLITE_ROW) return db_.failure("counting a message's records");
  return query->integer(0);
}

namespace {

// The payloads retention may drop, as the partial index inbound_raw_kept (schema.cpp) says it:
// every query below repeats it so that index serves them without reading a payload.
constexpr std::string_view kPrunable = "raw_bytes > 0 AND raw_digest <> ''";
// A pass drops at most this many payloads for their age, so it never holds the writer for long; a
// backlog goes over the next passes.
constexpr int kAgeBatch = 10'000;

}  // namespace

Result<RawPruning> SqliteTx::prune_inbound_raw(const std::string& received_before, std::uint64_t max_bytes) {
  if (auto w = writable("pruning raw payloads"); !w) return w.error();
  RawPruning done;
  const auto drop = fmt::format(
      "UPDATE inbound_message SET raw = '', raw_bytes = 0, raw_pruned_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') "
      "WHERE {} AND ",
      kPrunable);
  if (!received_before.empty()) {
    auto by_age = db_.prepare(
        drop + fmt::format("id IN (SELECT id FROM inbound_message WHERE {} AND received_at < ?1 ORDER BY id LIMIT ?2)",
                           kPrunable));
    if (!by_age) return by_age.error();
    by_age->bind(1, received_before);
    by_age->bind(2, kAgeBatch);
    if (auto r = db_.run(*by_age, "pruning old raw payloads"); !r) return r.error();
    done.by_age = db_.changes();
  }
  const auto measure = [&]() -> Result<void> {
    auto kept = db_.prepare(
        fmt::format("SELECT coalesce(sum(raw_bytes), 0), count(*) FROM inbound_message WHERE {}", kPrunable));
    if (!kept) return kept.error();
    if (kept->step() != SQLITE_ROW) return db_.failure("measuring the raw payloads kept");
    done.retained_bytes = kept->integer(0);
    done.retained = kept->integer(1);
    return {};
  };
  if (auto m = measure(); !m) return m.error();
  const auto cap = static_cast<std::int64_t>(std::min<std::uint64_t>(max_bytes, INT64_MAX));
  // A full batch for their age leaves more payloads due: the next passes drop those for their age,
  // not this one for the cap.
  if (max_bytes == 0 || done.retained_bytes <= cap || done.by_age == kAgeBatch) return done;
  // The newest payload that does not fit beside the ones after it: it and every older one go.
  auto last = db_.prepare(fmt::format(
      "SELECT id FROM (SELECT id, sum(raw_bytes) OVER (ORDER BY id DESC) AS newer FROM inbound_message WHERE {}) "
      "WHERE newer > ?1 ORDER BY id DESC LIMIT 1",
      kPrunable));
  if (!last) return last.error();
  last->bind(1, cap);
  if (last->step() != SQLITE_ROW) return db_.failure("finding the oldest raw payloads");
  const auto last_id = last->integer(0);
  if (last->step() != SQLITE_DONE) return db_.failure("finding the oldest raw payloads");
  auto by_size = db_.prepare(drop + "id <= ?1");
  if (!by_size) return by_size.error();
  by_size->bind(1, last_id);
  if (auto r = db_.run(*by_size, "pruning raw payloads past the cap"); !r) return r.error();
  done.by_size = db_.changes();
  if (auto m = measure(); !m) return m.error();
  return done;
}

Result<std::int64_t> SqliteTx::fill_inbound_digests(const std::function<std::string(std::string_view raw)>& digest_of,
                                                    int limit) {
  if (auto w = writable("digesting logged messages"); !w) return w.error();
  auto undigested = db_.prepare(
      "SELECT id, raw FROM inbound_message WHERE raw_digest = '' AND raw_pruned_at = '' ORDER BY id LIMIT ?");
  if (!undigested) return undigested.error();
  undigested->bind(1, limit);
  std::vector<std::pair<std::int64_t, std::string>> rows;
  int rc = SQLITE_ROW;
  while ((rc = undigested->step()) == SQLITE_ROW) rows.emplace_back(undigested->integer(0), undigested->text(1));
  if (rc != SQLITE_DONE) return db_.failure("finding messages without a digest");
  auto update = db_.prepare("UPDATE inbound_message SET raw_digest = ?, raw_bytes = ? WHERE id = ?");
  if (!update) return update.error();
  std::int64_t filled = 0;
  for (const auto& [id, raw] : rows) {
    const auto digest = digest_of(raw);
    // Said, not skipped: a row skipped would come first again on every pass and hold up the rest.
    if (digest.empty())
      return Error{Errc::store_failed, db_.path(), fmt::format("cannot digest inbound message #{}", id)};
    update->bind_all(digest, static_cast<std::int64_t>(raw.size()), id);
    if (auto r = db_.run(*update, "recording a message's digest"); !r) return r.error();
    ++filled;
  }
  return filled;
}

Result<void> SqliteTx::put_patient(const PatientRecord& p) {
  if (auto w = writable("saving a patient"); !w) return w;
  auto upsert = db_.prepare(
      "INSERT INTO patient (mrn, issuer, name, birth_date, sex, merged_into_mrn, merged_into_issuer, updated_at) "
      "VALUES (?,?,?,?,?,?,?,?) ON CONFLICT (mrn, issuer) DO UPDATE SET name = excluded.name, "
      "birth_date = excluded.birth_date, sex = excluded.sex, merged_into_mrn = excluded.merged_into_mrn, "
      "merged_into_issuer = excluded.merged_into_issuer, updated_at = excluded.updated_at");
  if (!upsert) return upsert.error();
  upsert->bind_all(p.mrn, p.issuer, p.name, p.birth_date, p.sex, p.merged_into_mrn, p.merged_into_issuer, p.updated_at);
  return db_.run(*upsert, "saving a patient");
}

Result<std::optional<PatientRecord>> SqliteTx::find_patient(const std::string& mrn, const std::string& issuer) {
  auto query = db_.prepare(std::string(kPatientColumns) + " WHERE mrn = ? AND issuer = ?");
  if (!query) return query.error();
  query->bind_all(mrn, issuer);
  const int rc = query->step();
  if (rc == SQLITE_DONE) return std::optional<PatientRecord>{};
  if (rc != SQLITE_ROW) return db_.failure("finding a patient");
  return std::optional<PatientRecord>{patient_from(*query)};
}

Result<std::vector<PatientRecord>> SqliteTx::patients(const std::string& mrn, const std::string& name_prefix,
                                                      int limit) {
  Where where;
  where.eq("mrn", mrn);
  if (!name_prefix.empty()) where.cmp("name", " LIKE ? ESCAPE '!'", name_prefix + "%");
  return collect<PatientRecord>(db_, where.prepare(db_, kPatientColumns, "ORDER BY mrn, issuer", limit), patient_from,
                                "searching patients");
}

Result<MergeCounts> SqliteTx::merge_patient(const PatientRecord& merged, const PatientRecord& survivor) {
  if (auto w = writable("merging patients"); !w) return w.error();
  MergeCounts counts;
  const auto move = [&](const char* sql, std::int64_t& count) -> Result<void> {
    auto stmt = db_.prepare(sql);
    if (!stmt) return stmt.error();
    stmt->bind_all(survivor.mrn, survivor.issuer, merged.mrn, merged.issuer);
    if (auto r = db_.run(*stmt, "moving records to the surviving patient"); !r) return r;
    count = db_.changes();
    return {};
  };
  std::int64_t instances = 0;
  if (auto r =
          move("UPDATE orders SET patient_mrn = ?, patient_issuer = ? WHERE patient_mrn = ? AND patient_issuer = ?",
               counts.orders);
      !r)
    return r.error();
  if (auto r = move("UPDATE study SET patient_mrn = ?, patient_issuer = ? WHERE patient_mrn = ? AND patient_issuer = ?",
                    counts.studies);
      !r)
    return r.error();
  if (auto r =
          move("UPDATE report SET patient_mrn = ?, patient_issuer = ? WHERE patient_mrn = ? AND patient_issuer = ?",
               counts.reports);
      !r)
    return r.error();
  if (auto r = move("UPDATE instance SET patient_id = ?, issuer = ? WHERE patient_id = ? AND issuer = ?", instances);
      !r)
    return r.error();
  auto retired = merged;
  retired.merged_into_mrn = survivor.mrn;
  retired.merged_into_issuer = survivor.issuer;
  if (auto r = put_patient(retired); !r) return r.error();
  if (auto r = put_patient(survivor); !r) return r.error();
  return counts;
}

Result<void> SqliteTx::put_order(OrderRecord& o, const std::string& detail) {
  if (auto w = writable("saving an order"); !w) return w;
  std::string previous_status;
  if (o.id != 0) {
    auto before = find_order(o.id);
    if (!before) return before.error();
    if (before->has_value()) previous_status = (*before)->status;
  }
  if (o.id == 0 || previous_status.empty()) {
    auto insert = db_.prepare(
        "INSERT INTO orders (placer, filler, accession, patient_mrn, patient_issuer, procedure_code, "
        "procedure_system, procedure_text, modality, scheduled, station_ae, referring, status, study_uid, collision, "
        "updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    if (!insert) return insert.error();
    insert->bind_all(o.placer, o.filler, o.accession, o.patient_mrn, o.patient_issuer, o.procedure_code,
                     o.procedure_system, o.procedure_text, o.modality, o.scheduled, o.station_ae, o.referring, o.status,
                     o.study_uid, static_cast<std::int64_t>(o.collision), o.updated_at);
    if (auto r = db_.run(*insert, "adding an order"); !r) return r;
    o.id = db_.last_insert_id();
  } else {
    auto update = db_.prepare(
        "UPDATE orders SET placer = ?, filler = ?, accession = ?, patient_mrn = ?, patient_issuer = ?, "
        "procedure_code = ?, procedure_system = ?, procedure_text = ?, modality = ?, scheduled = ?, station_ae = ?, "
        "referring = ?, status = ?, study_uid = ?, collision = ?, updated_at = ? WHERE id = ?");
    if (!update) return update.error();
    update->bind_all(o.placer, o.filler, o.accession, o.patient_mrn, o.patient_issuer, o.procedure_code,
                     o.procedure_system, o.procedure_text, o.modality, o.scheduled, o.station_ae, o.referring, o.status,
                     o.study_uid, static_cast<std::int64_t>(o.collision), o.updated_at, o.id);
    if (auto r = db_.run(*update, "updating an order"); !r) return r;
  }
  if (previous_status == o.status) return {};
  auto history = db_.prepare("INSERT INTO order_history (order_id, at, status, detail) VALUES (?,?,?,?)");
  if (!history) return history.error();
  history->bind_all(o.id, o.updated_at, o.status, detail);
  return db_.run(*history, "recording an order's history");
}

Result<std::optional<OrderRecord>> SqliteTx::find_order(std::int64_t id) {
  auto query = db_.prepare(std::string(kOrderColumns) + " WHERE id = ?");
  if (!query) return query.error();
  query->bind(1, id);
  const int rc = query->step();
  if (rc == SQLITE_DONE) return std::optional<OrderRecord>{};
  if (rc != SQLITE_ROW) return db_.failure("finding an order");
  return std::optional<OrderRecord>{order_from(*query)};
}

Result<std::vector<OrderRecord>> SqliteTx::orders(const OrderFilter& f) {
  Where where;
  where.eq("accession", f.accession);
  where.eq("placer", f.placer);
  where.eq("patient_mrn", f.patient_mrn);
  where.eq("patient_issuer", f.patient_issuer);
  where.eq("status", f.status);
  where.eq("study_uid", f.study_uid);
  if (f.open_only) where.raw("status IN ('NW', 'SC', 'IP')");
  return collect<OrderRecord>(db_, where.prepare(db_, kOrderColumns, "ORDER BY id", f.limit), order_from,
                              "searching orders");
}

Result<std::vector<OrderHistoryRecord>> SqliteTx::order_history(std::int64_t id) {
  auto query = db_.prepare("SELECT at, status, detail FROM order_history WHERE order_id = ? ORDER BY rowid");
  if (!query) return query.error();
  query->bind(1, id);
  std::vector<OrderHistoryRecord> out;
  for (int rc = query->step(); rc != SQLITE_DONE; rc = query->step()) {
    if (rc != SQLITE_ROW) return db_.failure("reading an order's history");
    out.push_back({query->integer(0), query->text(1), query->text(2)});
  }
  return out;
}

Result<void> SqliteTx::put_study(const StudyRecord& s) {
  if (auto w = writable("saving a study"); !w) return w;
  auto upsert = db_.prepare(
      "INSERT INTO study (study_uid, patient_mrn, patient_issuer, patient_name, accession, modality, study_date, "
      "study_time, description, source, state, reason, order_id, received_at, updated_at) "
      "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (study_uid) DO UPDATE SET "
      "patient_mrn = excluded.patient_mrn, patient_issuer = excluded.patient_issuer, "
      "patient_name = excluded.patient_name, accession = excluded.accession, modality = excluded.modality, "
      "study_date = excluded.study_date, study_time = excluded.study_time, description = excluded.description, "
      "source = excluded.source, state = excluded.state, reason = excluded.reason, order_id = excluded.order_id, "
      "updated_at = excluded.updated_at");
  if (!upsert) return upsert.error();
  upsert->bind_all(s.study_uid, s.patient_mrn, s.patient_issuer, s.patient_name, s.accession, s.modality, s.study_date,
                   s.study_time, s.description, s.source, std::string(to_string(s.state)), s.reason, s.order_id,
                   s.received_at, s.updated_at);
  return db_.run(*upsert, "saving a study");
}

Result<std::vector<StudyRecord>> SqliteTx::studies(const StudyFilter& f) {
  Where where;
  where.eq("study_uid", f.study_uid);
  where.eq("accession", f.accession);
  where.eq("patient_mrn", f.patient_mrn);
  where.eq("patient_issuer", f.patient_issuer);
  where.cmp("study_date", " >= ?", f.date_from);
  where.cmp("study_date", " <= ?", f.date_to);
  if (f.state) where.eq("state", std::string(to_string(*f.state)));
  where.eq("order_id", f.order_id);
  return collect<StudyRecord>(db_, where.prepare(db_, kStudyColumns, "ORDER BY received_at, study_uid", f.limit),
                              study_from, "searching studies");
}

Result<void> SqliteTx::put_report(ReportRecord& r) {
  if (auto w = writable("saving a report"); !w) return w;
  if (r.id == 0) {
    auto version = db_.prepare("SELECT COALESCE(MAX(version), 0) + 1 FROM report WHERE accession = ?");
    if (!version) return version.error();
    version->bind(1, r.accession);
    if (version->step() != SQLITE_ROW) return db_.failure("numbering a report version");
    r.version = static_cast<int>(version->integer(0));
    auto insert = db_.prepare(
        "INSERT INTO report (order_id, accession, patient_mrn, patient_issuer, version, status, kind, control_id, "
        "body, received_at) VALUES (?,?,?,?,?,?,?,?,?,?)");
    if (!insert) return insert.error();
    insert->bind_all(r.order_id, r.accession, r.patient_mrn, r.patient_issuer, r.version, r.status, r.kind,
                     r.control_id, r.body, r.received_at);
    if (auto run = db_.run(*insert, "adding a report"); !run) return run;
    r.id = db_.last_insert_id();
    return {};
  }
  auto update = db_.prepare(
      "UPDATE report SET order_id = ?, accession = ?, patient_mrn = ?, patient_issuer = ?, status = ?, body = ? "
      "WHERE id = ?");
  if (!update) return update.error();
  update->bind_all(r.order_id, r.accession, r.patient_mrn, r.patient_issuer, r.status, r.body, r.id);
  return db_.run(*update, "updating a report");
}

Result<std::vector<ReportRecord>> SqliteTx::reports(const ReportFilter& f) {
  Where where;
  where.eq("id", f.id);
  where.eq("accession", f.accession);
  where.eq("patient_mrn", f.patient_mrn);
  where.eq("status", f.status);
  where.eq("order_id", f.order_id);
  if (f.untied) where.raw("order_id = 0");
  return collect<ReportRecord>(db_, where.prepare(db_, kReportColumns, "ORDER BY id", f.limit), report_from,
                               "searching reports");
}

Result<void> SqliteTx::put_review(ReviewRecord& item) {
  if (auto w = writable("saving a review item"); !w) return w;
  const std::string state(to_string(item.state));
  if (item.id == 0) {
    auto insert = db_.prepare(
        "INSERT INTO review_item (kind, subject, reason, explanation, evidence, candidates, state, order_id, "
        "opened_at, closed_at) VALUES (?,?,?,?,?,?,?,?,?,?)");
    if (!insert) return insert.error();
    insert->bind_all(item.kind, item.subject, item.reason, item.explanation, item.evidence, item.candidates, state,
                     item.order_id, item.opened_at, item.closed_at);
    if (auto run = db_.run(*insert, "opening a review item"); !run) return run;
    item.id = db_.last_insert_id();
    return {};
  }
  auto update = db_.prepare(
      "UPDATE review_item SET reason = ?, explanation = ?, evidence = ?, candidates = ?, state = ?, order_id = ?, "
      "closed_at = ? WHERE id = ?");
  if (!update) return update.error();
  update->bind_all(item.reason, item.explanation, item.evidence, item.candidates, state, item.order_id, item.closed_at,
                   item.id);
  return db_.run(*update, "updating a review item");
}

Result<std::optional<ReviewRecord>> SqliteTx::find_review(std::int64_t id) {
  auto query = db_.prepare(std::string(kReviewColumns) + " WHERE id = ?");
  if (!query) return query.error();
  query->bind(1, id);
  const int rc = query->step();
  if (rc == SQLITE_DONE) return std::optional<ReviewRecord>{};
  if (rc != SQLITE_ROW) return db_.failure("finding a review item");
  return std::optional<ReviewRecord>{review_from(*query)};
}

Result<std::vector<ReviewRecord>> SqliteTx::reviews(std::optional<ReviewRecord::State> state,
                                                    const std::string& subject, int limit) {
  Where where;
  if (state) where.eq("state", std::string(to_string(*state)));
  where.eq("subject", subject);
  return collect<ReviewRecord>(db_, where.prepare(db_, kReviewColumns, "ORDER BY id", limit), review_from,
                               "listing review items");
}

Result<void> SqliteTx::add_audit(const AuditRecord& e) {
  if (auto w = writable("auditing"); !w) return w;
  auto insert = db_.prepare("INSERT INTO audit (at, actor, action, subject, detail) VALUES (?,?,?,?,?)");
  if (!insert) return insert.error();
  insert->bind_all(e.at, e.actor, e.action, e.subject, e.detail);
  return db_.run(*insert, "writing the audit log");
}

Result<std::vector<AuditRecord>> SqliteTx::audit(const std::string& subject, int limit) {
  Where where;
  where.eq("subject", subject);
  return collect<AuditRecord>(
      db_, where.prepare(db_, "SELECT at, actor, action, subject, detail FROM audit", "ORDER BY id", limit),
      [](const Stmt& s) {
        return AuditRecord{s.integer(0), s.text(1), s.text(2), s.text(3), s.text(4)};
      },
      "reading the audit log");
}

Result<void> SqliteTx::put_outbound(OutboxRecord& m) {
  if (auto w = writable("queueing a message"); !w) return w;
  const std::string state(to_string(m.state));
  if (m.sequence == 0) {
    auto insert = db_.prepare(
        "INSERT INTO outbox (destination, control_id, payload, subject, queued_at, next_attempt, attempts, state, "
        "last_error, delivered_at) VALUES (?,?,?,?,?,?,?,?,?,?)");
    if (!insert) return insert.error();
    insert->bind_all(m.destination, m.control_id, m.payload, m.subject, m.queued_at, m.next_attempt, m.attempts, state,
                     m.last_error, m.delivered_at);
    if (auto run = db_.run(*insert, "queueing an outbound message"); !run) return run;
    m.sequence = db_.last_insert_id();
    return {};
  }
  auto update = db_.prepare(
      "UPDATE outbox SET next_attempt = ?, attempts = ?, state = ?, last_error = ?, delivered_at = ? WHERE seq = ?");
  if (!update) return update.error();
  update->bind_all(m.next_attempt, m.attempts, state, m.last_error, m.delivered_at, m.sequence);
  return db_.run(*update, "updating an outbound message");
}

Result<std::vector<OutboxRecord>> SqliteTx::outbound(const OutboxFilter& f) {
  Where where;
  if (f.state) where.eq("state", std::string(to_string(*f.state)));
  where.eq("destination", f.destination);
  where.eq("subject", f.subject);
  where.greater("seq", f.after_sequence);
  return collect<OutboxRecord>(db_, where.prepare(db_, kOutboxColumns, "ORDER BY seq", f.limit), outbound_from,
                               "listing the outbox");
}

Result<void> SqliteTx::mark_landing(const std::string& accession, const std::string& stage, Millis at) {
  if (auto w = writable("marking a landing stage"); !w) return w;
  if (accession.empty()) return {};
  auto upsert = db_.prepare(
      "INSERT INTO landing (accession, stage, at) VALUES (?,?,?) "
      "ON CONFLICT (accession, stage) DO UPDATE SET at = min(at, excluded.at)");
  if (!upsert) return upsert.error();
  upsert->bind_all(accession, stage, at);
  return db_.run(*upsert, "marking a landing stage");
}

Result<std::vector<LandingRecord>> SqliteTx::landing(const std::string& accession) {
  auto query = db_.prepare("SELECT stage, at FROM landing WHERE accession = ? ORDER BY at, rowid");
  if (!query) return query.error();
  query->bind(1, accession);
  std::vector<LandingRecord> out;
  for (int rc = query->step(); rc != SQLITE_DONE; rc = query->step()) {
    if (rc != SQLITE_ROW) return db_.failure("reading landing stages");
    out.push_back({query->text(0), query->integer(1)});
  }
  return out;
}

Result<std::vector<std::string>> SqliteTx::landing_accessions(int limit) {
  Where where;
  return collect<std::string>(
      db_, where.prepare(db_, "SELECT accession FROM landing", "GROUP BY accession ORDER BY max(at) DESC", limit),
      [](const Stmt& s) { return s.text(0); }, "listing landings");
}

Result<StoreCounts> SqliteTx::counts() {
  auto query = db_.prepare(
      "SELECT (SELECT count(*) FROM inbound_message), (SELECT count(*) FROM patient), (SELECT count(*) FROM orders), "
      "(SELECT count(*) FROM study), (SELECT count(*) FROM instance), (SELECT count(*) FROM report), "
      "(SELECT count(*) FROM review_item WHERE state = 'open'), "
      "(SELECT count(*) FROM study WHERE state IN ('pending', 'review')), "
      "(SELECT count(*) FROM outbox WHERE state = 'queued'), (SELECT count(*) FROM outbox WHERE state = 'dead')");
  if (!query) return query.error();
  if (query->step() != SQLITE_ROW) return db_.failure("counting");
  return StoreCounts{query->integer(0), query->integer(1), query->integer(2), query->integer(3), query->integer(4),
                     query->integer(5), query->integer(6), query->integer(7), query->integer(8), query->integer(9)};
}

}  // namespace radloop::store::internal
