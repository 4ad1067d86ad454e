// The store's entities: migrations from an older file, orders and their history, idempotent
// instances, report versions, review items and audit, outbox, landing, merges, and group commit.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "reference/store/sqlite_store.hpp"

namespace radloop::store {
namespace {

std::unique_ptr<SqliteStore> memory_store() { return SqliteStore::open(":memory:").value(); }

OrderRecord order(const std::string& placer, const std::string& accession, const std::string& mrn = "MRN1") {
  OrderRecord o;
  o.placer = placer;
  o.accession = accession;
  o.patient_mrn = mrn;
  o.patient_issuer = "HOSP";
  o.modality = "CT";
  o.updated_at = 1000;
  return o;
}

dicom::InstanceRecord instance(const std::string& sop, const std::string& study = "1.2.3") {
  dicom::InstanceRecord r;
  r.patient_id = "MRN1";
  r.issuer_of_patient_id = "HOSP";
  r.accession_number = "A1";
  r.study_instance_uid = study;
  r.series_instance_uid = study + ".1";
  r.sop_instance_uid = sop;
  r.sop_class_uid = "1.2.840.10008.5.1.4.1.1.2";
  r.instance_number = "1";
  r.size_bytes = 1234;
  r.dataset_digest = "00ff";
  return r;
}

std::filesystem::path temp_dir() {
  auto dir = std::filesystem::temp_directory_path() / ("radloop-entities-" + std::to_string(::getpid()) + "-" +
                                                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

TEST(StoreMigrations, AFileFromTheFirstSchemaIsMigratedAndKeepsItsMessages) {
  const auto dir = temp_dir();
  const auto path = (dir / "v1.db").string();
  {
    // What the first release wrote: the inbound log only, at user_version 1.
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db,
                           "CREATE TABLE inbound_message (id INTEGER PRIMARY KEY, received_at TEXT NOT NULL DEFAULT "
                           "'', sender TEXT NOT NULL, control_id TEXT NOT NULL, message_type TEXT NOT NULL, peer TEXT "
                           "NOT NULL, raw BLOB NOT NULL, UNIQUE (sender, control_id));"
                           "INSERT INTO inbound_message (sender, control_id, message_type, peer, raw) "
                           "VALUES ('EHR^H', 'C1', 'ADT^A04', 'x', 'MSH|...');"
                           "PRAGMA user_version=1;",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
  auto store = SqliteStore::open(path).value();
  EXPECT_EQ(store->schema_version(), 5);
  const auto kept = store->find_inbound("EHR^H", "C1").value();
  ASSERT_TRUE(kept.has_value());
  EXPECT_EQ(kept->raw, "MSH|...");
  EXPECT_EQ(kept->outcome, "");
  EXPECT_EQ(kept->digest, "");
  // Without a digest, retention keeps its payload: it is the only way to tell a resend of it.
  const auto prune = [&] {
    return store->write_value<RawPruning>([](Tx& tx) { return tx.prune_inbound_raw("9999-01-01T00:00:00.000Z", 0); });
  };
  ASSERT_TRUE(prune().ok());
  EXPECT_EQ(store->find_inbound("EHR^H", "C1").value()->raw, "MSH|...");
  // Given one, it is measured and can go.
  const auto filled = store->write_value<std::int64_t>([](Tx& tx) {
    return tx.fill_inbound_digests([](std::string_view raw) { return "d:" + std::string(raw); }, 100);
  });
  ASSERT_TRUE(filled.ok()) << filled.error().message();
  EXPECT_EQ(*filled, 1);
  EXPECT_EQ(store->find_inbound("EHR^H", "C1").value()->digest, "d:MSH|...");
  const auto pruned = prune();
  ASSERT_TRUE(pruned.ok()) << pruned.error().message();
  EXPECT_EQ(pruned->by_age, 1);
  EXPECT_EQ(store->find_inbound("EHR^H", "C1").value()->raw, "");
  auto o = order("P1", "A1");
  ASSERT_TRUE(store->write([&](Tx& tx) { return tx.put_order(o, "new"); }));
  store.reset();
  std::filesystem::remove_all(dir);
}

TEST(StoreOrders, AStatusChangeIsKeptInTheHistoryAndOtherEditsAreNot) {
  auto store = memory_store();
  auto o = order("P1", "A1");
  ASSERT_TRUE(store->write([&](Tx& tx) { return tx.put_order(o, "ORM NW"); }));
  ASSERT_GT(o.id, 0);
  o.status = "SC";
  o.updated_at = 2000;
  ASSERT_TRUE(store->write([&](Tx& tx) { return tx.put_order(o, "ORM SC"); }));
  o.procedure_text = "CT HEAD";  // same status: not a history entry
  ASSERT_TRUE(store->write([&](Tx& tx) { return tx.put_order(o, "edit"); }));
  const auto history =
      store->read_value<std::vector<OrderHistoryRecord>>([&](Tx& tx) { return tx.order_history(o.id); });
  ASSERT_EQ(history->size(), 2U);
  EXPECT_EQ((*history)[0].status, "NW");
  EXPECT_EQ((*history)[1].status, "SC");
  EXPECT_EQ((*history)[1].at, 2000);
  const auto found = store->read_value<std::vector<OrderRecord>>([](Tx& tx) {
    OrderFilter f;
    f.accession = "A1";
    f.open_only = true;
    return tx.orders(f);
  });
  ASSERT_EQ(found->size(), 1U);
  EXPECT_EQ((*found)[0].procedure_text, "CT HEAD");
}

TEST(StoreOrders, TwoOrdersCannotShareAPlacerNumber) {
  auto store = memory_store();
  auto a = order("P1", "A1");
  auto b = order("P1", "A2");
  ASSERT_TRUE(store->write([&](Tx& tx) { return tx.put_order(a, "new"); }));
  auto second = store->write([&](Tx& tx) { return tx.put_order(b, "new"); });
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, Errc::store_failed);
}

TEST(StoreImages, TheSameInstanceTwiceIsIndexedOnce) {
  auto store = memory_store();
  const auto first = store->write_value<bool>([](Tx& tx) { return tx.put_instance(instance("1.2.3.1")); });
  const auto again = store->write_value<bool>([](Tx& tx) { return tx.put_instance(instance("1.2.3.1")); });
  EXPECT_TRUE(first.value());
  EXPECT_FALSE(again.value());
  const auto all =
      store->read_value<std::vector<dicom::InstanceRecord>>([](Tx& tx) { return tx.instances("1.2.3", "", ""); });
  ASSERT_EQ(all->size(), 1U);
  EXPECT_EQ((*all)[0].size_bytes, 1234U);
  EXPECT_EQ((*all)[0].dataset_digest, "00ff");
}

TEST(StorePerformedSteps, EachStepIsKeptOnceAsLastChanged) {
  auto store = memory_store();
  ASSERT_TRUE(store->write([](Tx& tx) { return tx.put_performed_step({"1.2.3", "IN PROGRESS", "ACC1", "{}", 1}); }));
  ASSERT_TRUE(store->write([](Tx& tx) { return tx.put_performed_step({"1.2.4", "IN PROGRESS", "ACC2", "{}", 2}); }));
  ASSERT_TRUE(store->write([](Tx& tx) {
    return tx.put_performed_step({"1.2.3", "COMPLETED", "ACC1", R"({"series":[]})", 3});
  }));
  const auto steps =
      store->read_value<std::vector<PerformedStepRecord>>([](Tx& tx) { return tx.performed_steps(); }).value();
  ASSERT_EQ(steps.size(), 2U);
  EXPECT_EQ(steps[0].sop_instance_uid, "1.2.4");  // oldest change first
  EXPECT_EQ(steps[1].sop_instance_uid, "1.2.3");
  EXPECT_EQ(steps[1].status, "COMPLETED");
  EXPECT_EQ(steps[1].body, R"({"series":[]})");
  EXPECT_FALSE(store->read([](Tx& tx) {
    return tx.put_performed_step({"1.2.5", "IN PROGRESS", "", "{}", 4});
  })) << "a read-only unit refuses it";
}

TEST(StoreCommitmentReports, AReportIsOwedUntilSettled) {
  auto store = memory_store();
  CommitmentReportRecord first{0, "1.2.3", "CT1", "10.0.0.5", 11113, R"({"committed":[]})", 10, "owed", "", 0};
  CommitmentReportRecord second{0, "1.2.4", "MR1", "10.0.0.6", 104, "{}", 11, "owed", "", 0};
  ASSERT_TRUE(store->write([&](Tx& tx) { return tx.put_commitment_report(first); }));
  ASSERT_TRUE(store->write([&](Tx& tx) { return tx.put_commitment_report(second); }));
  EXPECT_GT(first.id, 0);
  EXPECT_GT(second.id, first.id);
  auto owed = [&] {
    return store->read_value<std::vector<CommitmentReportRecord>>([](Tx& tx) { return tx.owed_commitment_reports(); })
        .value();
  };
  ASSERT_EQ(owed().size(), 2U);
  EXPECT_EQ(owed()[0].peer_port, 11113);
  EXPECT_EQ(owed()[0].body, R"({"committed":[]})");
  ASSERT_TRUE(
      store->write([&](Tx& tx) { return tx.settle_commitment_report(first.id, "answered", "answered 0x0000", 20); }));
  ASSERT_EQ(owed().size(), 1U);
  EXPECT_EQ(owed()[0].transaction_uid, "1.2.4");
  EXPECT_FALSE(store->write([](Tx& tx) { return tx.settle_commitment_report(999, "answered", "", 1); }))
      << "settling a report never kept is an error";
}

TEST(StoreImages, StudiesAreFoundByStateAndDate) {
  auto store = memory_store();
  StudyRecord s;
  s.study_uid = "1.2.3";
  s.accession = "A1";
  s.study_date = "20261122";
  s.state = StudyRecord::State::review;
  ASSERT_TRUE(store->write([&](Tx& tx) { return tx.put_study(s); }));
  s.state = StudyRecord::State::linked;
  s.order_id = 7;
  ASSERT_TRUE(store->write([&](Tx& tx) { return tx.put_study(s); }));  // an update, not a second row
  StudyFilter f;
  f.date_from = "20261101";
  f.date_to = "20261130";
  auto found = store->read_value<std::vector<StudyRecord>>([&](Tx& tx) { return tx.studies(f); });
  ASSERT_EQ(found->size(), 1U);
  EXPECT_EQ((*found)[0].state, StudyRecord::State::linked);
  EXPECT_EQ((*found)[0].order_id, 7);
  f.date_from = "20261123";
  EXPECT_TRUE(store->read_value<std::vector<StudyRecord>>([&](Tx& tx) { return tx.studies(f); })->empty());
}

TEST(StoreReports, EachVersionOfAnAccessionIsNumberedInArrivalOrder) {
  auto store = memory_store();
  for (const char* status : {"P", "F", "C"}) {
    ReportRecord r;
    r.accession = "A1";
    r.status = status;
    r.kind = "oru";
    ASSERT_TRUE(store->write([&](Tx& tx) { return tx.put_report(r); }));
  }
  ReportRecord other;
  other.accession = "A2";
  ASSERT_TRUE(store->write([&](Tx& tx) { return tx.put_report(other); }));
  EXPECT_EQ(other.version, 1);
  ReportFilter f;
  f.accession = "A1";
  const auto versions = store->read_value<std::vector<ReportRecord>>([&](Tx& tx) { return tx.reports(f); });
  ASSERT_EQ(versions->size(), 3U);
  EXPECT_EQ((*versions)[2].version, 3);
  EXPECT_EQ((*versions)[2].status, "C");
}

TEST(StoreReview, ItemsAndTheAuditLogAreKept) {
  auto store = memory_store();
  ReviewRecord item;
  item.kind = "study";
  item.subject = "1.2.3";
  item.reason = "accession_near_miss";
  item.candidates = R"([{"order_id":"1"}])";
  ASSERT_TRUE(store->write([&](Tx& tx) { return tx.put_review(item); }));
  item.state = ReviewRecord::State::linked;
  item.order_id = "1";
  ASSERT_TRUE(store->write([&](Tx& tx) -> Result<void> {
    if (auto r = tx.put_review(item); !r) return r;
    return tx.add_audit({5, "alice", "link", "review 1", "to order 1"});
  }));
  auto open = store->read_value<std::vector<ReviewRecord>>(
      [](Tx& tx) { return tx.reviews(ReviewRecord::State::open, "", 100); });
  EXPECT_TRUE(open->empty());
  auto found = store->read_value<std::optional<ReviewRecord>>([&](Tx& tx) { return tx.find_review(item.id); });
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((**found).order_id, "1");
  auto audit = store->read_value<std::vector<AuditRecord>>([](Tx& tx) { return tx.audit("review 1", 10); });
  ASSERT_EQ(audit->size(), 1U);
  EXPECT_EQ((*audit)[0].actor, "alice");
}

TEST(StoreOutbox, MessagesKeepTheirOrderAndState) {
  auto store = memory_store();
  const auto outbound = [](const std::string& control_id) {
    OutboxRecord m;
    m.destination = "ehr";
    m.control_id = control_id;
    m.payload = "MSH|" + control_id;
    m.subject = "A1";
    return m;
  };
  auto a = outbound("C1");
  auto b = outbound("C2");
  ASSERT_TRUE(store->write([&](Tx& tx) -> Result<void> {
    if (auto r = tx.put_outbound(a); !r) return r;
    return tx.put_outbound(b);
  }));
  EXPECT_LT(a.sequence, b.sequence);
  a.state = OutboxRecord::State::delivered;
  a.attempts = 2;
  ASSERT_TRUE(store->write([&](Tx& tx) { return tx.put_outbound(a); }));
  auto queued = store->read_value<std::vector<OutboxRecord>>([](Tx& tx) {
    OutboxFilter f;
    f.state = OutboxRecord::State::queued;
    f.destination = "ehr";
    return tx.outbound(f);
  });
  ASSERT_EQ(queued->size(), 1U);
  EXPECT_EQ((*queued)[0].control_id, "C2");
  const auto counts = store->read_value<StoreCounts>([](Tx& tx) { return tx.counts(); });
  EXPECT_EQ(counts->outbox_queued, 1);
}

TEST(StoreLanding, TheEarliestTimeOfAStageIsKept) {
  auto store = memory_store();
  ASSERT_TRUE(store->write([](Tx& tx) -> Result<void> {
    if (auto r = tx.mark_landing("A1", "ordered", 200); !r) return r;
    if (auto r = tx.mark_landing("A1", "ordered", 100); !r) return r;
    return tx.mark_landing("A1", "accessioned", 300);
  }));
  const auto stages = store->read_value<std::vector<LandingRecord>>([](Tx& tx) { return tx.landing("A1"); });
  ASSERT_EQ(stages->size(), 2U);
  EXPECT_EQ((*stages)[0].stage, "ordered");
  EXPECT_EQ((*stages)[0].at, 100);
}

TEST(StorePatients, AMergeMovesOrdersStudiesAndReportsToTheSurvivor) {
  auto store = memory_store();
  PatientRecord old_id;
  old_id.mrn = "OLD";
  old_id.issuer = "HOSP";
  auto survivor = old_id;
  survivor.mrn = "NEW";
  auto o = order("P1", "A1", "OLD");
  StudyRecord s;
  s.study_uid = "1.2.3";
  s.patient_mrn = "OLD";
  s.patient_issuer = "HOSP";
  ASSERT_TRUE(store->write([&](Tx& tx) -> Result<void> {
    if (auto r = tx.put_patient(old_id); !r) return r;
    if (auto r = tx.put_order(o, "new"); !r) return r;
    return tx.put_study(s);
  }));
  const auto moved = store->write_value<MergeCounts>([&](Tx& tx) { return tx.merge_patient(old_id, survivor); });
  EXPECT_EQ(moved->orders, 1);
  EXPECT_EQ(moved->studies, 1);
  const auto retired =
      store->read_value<std::optional<PatientRecord>>([](Tx& tx) { return tx.find_patient("OLD", "HOSP"); });
  EXPECT_EQ((**retired).merged_into_mrn, "NEW");
  OrderFilter f;
  f.patient_mrn = "NEW";
  EXPECT_EQ(store->read_value<std::vector<OrderRecord>>([&](Tx& tx) { return tx.orders(f); })->size(), 1U);
}

TEST(StoreUnits, AFailingUnitLeavesNothingAndOthersInItsBatchAreKept) {
  auto store = memory_store();
  auto failed = store->write([](Tx& tx) -> Result<void> {
    if (auto r = tx.mark_landing("A9", "ordered", 1); !r) return r;
    return Error{Errc::store_failed, "test", "the unit gives up"};
  });
  EXPECT_FALSE(failed.ok());
  auto thrown = store->write([](Tx& tx) -> Result<void> {
    (void)tx.mark_landing("A8", "ordered", 1);
    throw std::runtime_error("boom");
  });
  EXPECT_FALSE(thrown.ok());
  EXPECT_TRUE(store->read_value<std::vector<LandingRecord>>([](Tx& tx) { return tx.landing("A9"); })->empty());
  EXPECT_TRUE(store->read_value<std::vector<LandingRecord>>([](Tx& tx) { return tx.landing("A8"); })->empty());
  EXPECT_TRUE(store->write([](Tx& tx) { return tx.mark_landing("A7", "ordered", 1); }));
}

TEST(StoreUnits, AReadCannotWrite) {
  auto store = memory_store();
  auto r = store->read([](Tx& tx) { return tx.mark_landing("A1", "ordered", 1); });
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().detail.find("read-only"), std::string::npos);
}

TEST(StoreUnits, ConcurrentWritersShareCommits) {
  const auto dir = temp_dir();
  auto store = SqliteStore::open((dir / "group.db").string()).value();
  constexpr int kThreads = 8;
  constexpr int kEach = 40;
  std::vector<std::thread> writers;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        InboundMessage m{"EHR^H", std::to_string(t) + "-" + std::to_string(i), "ADT^A04", "MSH|", "x", "", "", ""};
        if (!store->log_inbound(m)) ++failures;
      }
    });
  }
  for (auto& w : writers) w.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(store->count_inbound().value(), kThreads * kEach);
  const auto stats = store->stats();
  EXPECT_EQ(stats.units, static_cast<std::uint64_t>(kThreads * kEach));
  // Eight writers waiting on flushes: batches form, so there are fewer commits than units.
  EXPECT_LT(stats.commits, stats.units);
  EXPECT_GT(stats.largest_batch, 1U);
  store.reset();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace radloop::store
