// The store's schema, one migration per version (see sqlite_tx.hpp).
#include "reference/store/internal/sqlite_tx.hpp"

namespace radloop::store::internal {

const std::vector<const char*>& migrations() {
  static const std::vector<const char*> kMigrations = {
      // 1: the inbound message log.
      R"sql(
      CREATE TABLE inbound_message (
        id           INTEGER PRIMARY KEY,
        received_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
        sender       TEXT NOT NULL,
        control_id   TEXT NOT NULL,
        message_type TEXT NOT NULL,
        peer         TEXT NOT NULL,
        raw          BLOB NOT NULL,
        UNIQUE (sender, control_id)
      );
    )sql",
      // 2: the pipeline's entities.
      R"sql(
      ALTER TABLE inbound_message ADD COLUMN outcome TEXT NOT NULL DEFAULT '';
      CREATE TABLE patient (
        mrn TEXT NOT NULL, issuer TEXT NOT NULL, name TEXT NOT NULL, birth_date TEXT NOT NULL, sex TEXT NOT NULL,
        merged_into_mrn TEXT NOT NULL DEFAULT '', merged_into_issuer TEXT NOT NULL DEFAULT '',
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (mrn, issuer)
      );
      CREATE INDEX patient_name ON patient (name);
      CREATE TABLE orders (
        id INTEGER PRIMARY KEY,
        placer TEXT NOT NULL, filler TEXT NOT NULL, accession TEXT NOT NULL,
        patient_mrn TEXT NOT NULL, patient_issuer TEXT NOT NULL,
        procedure_code TEXT NOT NULL, procedure_system TEXT NOT NULL, procedure_text TEXT NOT NULL,
        modality TEXT NOT NULL, scheduled TEXT NOT NULL, station_ae TEXT NOT NULL, referring TEXT NOT NULL,
        status TEXT NOT NULL, study_uid TEXT NOT NULL, collision INTEGER NOT NULL, updated_at INTEGER NOT NULL
      );
      CREATE UNIQUE INDEX orders_placer ON orders (placer) WHERE placer <> '';
      CREATE INDEX orders_accession ON orders (accession);
      CREATE INDEX orders_patient ON orders (patient_mrn, patient_issuer);
      CREATE INDEX orders_study ON orders (study_uid) WHERE study_uid <> '';
      CREATE TABLE order_history (
        order_id INTEGER NOT NULL REFERENCES orders (id), at INTEGER NOT NULL, status TEXT NOT NULL,
        detail TEXT NOT NULL
      );
      CREATE INDEX order_history_order ON order_history (order_id);
      CREATE TABLE study (
        study_uid TEXT PRIMARY KEY, patient_mrn TEXT NOT NULL, patient_issuer TEXT NOT NULL,
        patient_name TEXT NOT NULL, accession TEXT NOT NULL, modality TEXT NOT NULL, study_date TEXT NOT NULL,
        study_time TEXT NOT NULL, description TEXT NOT NULL, source TEXT NOT NULL, state TEXT NOT NULL,
        reason TEXT NOT NULL, order_id INTEGER NOT NULL, received_at INTEGER NOT NULL, updated_at INTEGER NOT NULL
      );
      CREATE INDEX study_accession ON study (accession);
      CREATE INDEX study_patient ON study (patient_mrn, patient_issuer);
      CREATE INDEX study_state ON study (state);
      CREATE TABLE instance (
        sop_uid TEXT PRIMARY KEY, study_uid TEXT NOT NULL, series_uid TEXT NOT NULL, sop_class TEXT NOT NULL,
        patient_id TEXT NOT NULL, issuer TEXT NOT NULL, patient_name TEXT NOT NULL, birth_date TEXT NOT NULL,
        sex TEXT NOT NULL, accession TEXT NOT NULL, modality TEXT NOT NULL, study_date TEXT NOT NULL,
        study_time TEXT NOT NULL, study_id TEXT NOT NULL, study_description TEXT NOT NULL, referring TEXT NOT NULL,
        series_number TEXT NOT NULL, series_description TEXT NOT NULL, instance_number TEXT NOT NULL,
        transfer_syntax TEXT NOT NULL, file_path TEXT NOT NULL, size_bytes INTEGER NOT NULL, digest TEXT NOT NULL,
        calling_ae TEXT NOT NULL
      );
      CREATE INDEX instance_study ON instance (study_uid, series_uid);
      CREATE TABLE report (
        id INTEGER PRIMARY KEY, order_id INTEGER NOT NULL, accession TEXT NOT NULL, patient_mrn TEXT NOT NULL,
        patient_issuer TEXT NOT NULL, version INTEGER NOT NULL, status TEXT NOT NULL, kind TEXT NOT NULL,
        control_id TEXT NOT NULL, body TEXT NOT NULL, received_at INTEGER NOT NULL
      );
      CREATE INDEX report_accession ON report (accession);
      CREATE INDEX report_order ON report (order_id);
      CREATE TABLE review_item (
        id INTEGER PRIMARY KEY, kind TEXT NOT NULL, subject TEXT NOT NULL, reason TEXT NOT NULL,
        explanation TEXT NOT NULL, evidence TEXT NOT NULL, candidates TEXT NOT NULL, state TEXT NOT NULL,
        order_id TEXT NOT NULL, opened_at INTEGER NOT NULL, closed_at INTEGER NOT NULL
      );
      CREATE INDEX review_state ON review_item (state);
      CREATE INDEX review_subject ON review_item (subject);
      CREATE TABLE audit (
        id INTEGER PRIMARY KEY, at INTEGER NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
        subject TEXT NOT NULL, detail TEXT NOT NULL
      );
      CREATE INDEX audit_subject ON audit (subject);
      CREATE TABLE outbox (
        seq INTEGER PRIMARY KEY, destination TEXT NOT NULL, control_id TEXT NOT NULL, payload BLOB NOT NULL,
        subject TEXT NOT NULL, queued_at INTEGER NOT NULL, next_attempt INTEGER NOT NULL, attempts INTEGER NOT NULL,
        state TEXT NOT NULL, last_error TEXT NOT NULL, delivered_at INTEGER NOT NULL
      );
      CREATE INDEX outbox_state ON outbox (state, destination, seq);
      CREATE INDEX outbox_subject ON outbox (subject);
      CREATE TABLE landing (
        accession TEXT NOT NULL, stage TEXT NOT NULL, at INTEGER NOT NULL, PRIMARY KEY (accession, stage)
      );
    )sql",
      // 3: performed procedure steps (MPPS), kept across restarts.
      R"sql(
      CREATE TABLE performed_step (
        sop_uid TEXT PRIMARY KEY, status TEXT NOT NULL, accession TEXT NOT NULL, body TEXT NOT NULL,
        updated_at INTEGER NOT NULL
      );
    )sql",
      // 4: Storage Commitment reports owed on new associations, kept across restarts.
      R"sql(
      CREATE TABLE commitment_report (
        id INTEGER PRIMARY KEY, transaction_uid TEXT NOT NULL, peer_ae TEXT NOT NULL, peer_host TEXT NOT NULL,
        peer_port INTEGER NOT NULL, body TEXT NOT NULL, owed_since INTEGER NOT NULL, state TEXT NOT NULL,
        outcome TEXT NOT NULL, settled_at INTEGER NOT NULL
      );
      CREATE INDEX commitment_report_state ON commitment_report (state, id);
    )sql",
      // 5: raw payload retention: each message's resend digest and payload size, and when its
      // payload was dropped. Messages logged before get both from the retention's first passes
      // (fill_inbound_digests), not here: a migration rewriting every row would hold the start.
      // The index covers what retention reads, so it never steps over a payload.
      R"sql(
      ALTER TABLE inbound_message ADD COLUMN raw_digest TEXT NOT NULL DEFAULT '';
      ALTER TABLE inbound_message ADD COLUMN raw_bytes INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE inbound_message ADD COLUMN raw_pruned_at TEXT NOT NULL DEFAULT '';
      CREATE INDEX inbound_raw_kept ON inbound_message (id, raw_bytes, received_at)
        WHERE raw_bytes > 0 AND raw_digest <> '';
      CREATE INDEX inbound_undigested ON inbound_message (id) WHERE raw_digest = '' AND raw_pruned_at = '';
    )sql",
  };
  return kMigrations;
}

}  // namespace radloop::store::internal
