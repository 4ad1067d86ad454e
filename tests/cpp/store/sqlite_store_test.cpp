#include "reference/store/sqlite_store.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <future>
#include <optional>
#include <thread>

namespace radloop::store {
namespace {

InboundMessage message(const std::string& control_id) {
  return InboundMessage{"EHR^GENERAL",
                        control_id,
                        "ADT^A04",
                        "MSH|^~\\&|EHR|GENERAL|||||ADT^A04|" + control_id,
                        "127.0.0.1:5000",
                        "",
                        "digest-" + control_id,
                        ""};
}

RawPruning prune(SqliteStore& store, const std::string& before, std::uint64_t max_bytes) {
  auto done = store.write_value<RawPruning>([&](Tx& tx) { return tx.prune_inbound_raw(before, max_bytes); });
  if (!done) {
    ADD_FAILURE() << done.error().message();
    return {};
  }
  return done.value();
}

class SqliteStoreFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("radloop-store-" + std::to_string(::getpid()) + "-" +
                                                     ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST(SqliteStore, LogsAndFindsAnInboundMessage) {
  auto store = SqliteStore::open(":memory:").value();
  auto logged = store->log_inbound(message("M1"));
  ASSERT_TRUE(logged.ok()) << logged.error().message();
  EXPECT_FALSE(logged->duplicate);
  auto found = store->find_inbound("EHR^GENERAL", "M1").value();
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->raw, message("M1").raw);
  EXPECT_EQ(found->message_type, "ADT^A04");
  EXPECT_FALSE(store->find_inbound("EHR^GENERAL", "M2").value().has_value());
  EXPECT_FALSE(store->find_inbound("OTHER^SENDER", "M1").value().has_value());
}

TEST(SqliteStore, TheSameSenderAndControlIdIsKeptOnce) {
  auto store = SqliteStore::open(":memory:").value();
  const auto first = store->log_inbound(message("M1")).value();
  const auto again = store->log_inbound(message("M1")).value();
  EXPECT_TRUE(again.duplicate);
  EXPECT_EQ(again.id, first.id);
  EXPECT_EQ(store->count_inbound().value(), 1);
  // Same control ID from another sender is another message.
  auto other = message("M1");
  other.sender = "LAB^GENERAL";
  EXPECT_FALSE(store->log_inbound(other).value().duplicate);
  EXPECT_EQ(store->count_inbound().value(), 2);
}

TEST(SqliteStore, RetentionDropsOldPayloadsAndKeepsTheRecordAndDigest) {
  auto store = SqliteStore::open(":memory:").value();
  ASSERT_TRUE(store->log_inbound(message("M1")));
  ASSERT_TRUE(store->log_inbound(message("M2")));
  const auto payload = static_cast<std::int64_t>(message("M1").raw.size() + message("M2").raw.size());
  // Received before the year 2000: none.
  auto done = prune(*store, "2000-01-01T00:00:00.000Z", 0);
  EXPECT_EQ(done.by_age, 0);
  EXPECT_EQ(done.retained, 2);
  EXPECT_EQ(done.retained_bytes, payload);
  // Received before a time to come: both.
  done = prune(*store, "9999-01-01T00:00:00.000Z", 0);
  EXPECT_EQ(done.by_age, 2);
  EXPECT_EQ(done.retained, 0);
  EXPECT_EQ(done.retained_bytes, 0);
  const auto kept = store->find_inbound("EHR^GENERAL", "M1").value();
  ASSERT_TRUE(kept.has_value()) << "the record stays";
  EXPECT_EQ(kept->raw, "");
  EXPECT_EQ(kept->digest, "digest-M1");
  EXPECT_FALSE(kept->pruned_at.empty());
  EXPECT_EQ(kept->message_type, "ADT^A04");
  EXPECT_TRUE(store->log_inbound(message("M1")).value().duplicate) << "its control ID is still taken";
}

TEST(SqliteStore, RetentionPastTheCapDropsTheOldestFirst) {
  auto store = SqliteStore::open(":memory:").value();
  for (const auto* id : {"M1", "M2", "M3", "M4"}) ASSERT_TRUE(store->log_inbound(message(id)));
  const auto each = static_cast<std::int64_t>(message("M1").raw.size());
  // Room for two and a bit: the two oldest go.
  const auto done = prune(*store, "", static_cast<std::uint64_t>(2 * each + 1));
  EXPECT_EQ(done.by_age, 0);
  EXPECT_EQ(done.by_size, 2);
  EXPECT_EQ(done.retained, 2);
  EXPECT_EQ(done.retained_bytes, 2 * each);
  EXPECT_EQ(store->find_inbound("EHR^GENERAL", "M2").value()->raw, "");
  EXPECT_EQ(store->find_inbound("EHR^GENERAL", "M3").value()->raw, message("M3").raw);
  EXPECT_EQ(store->find_inbound("EHR^GENERAL", "M4").value()->raw, message("M4").raw);
  // Under the cap: nothing more goes.
  EXPECT_EQ(prune(*store, "", static_cast<std::uint64_t>(2 * each)).by_size, 0);
}

TEST(SqliteStore, RetentionKeepsAPayloadThatHasNoDigest) {
  auto store = SqliteStore::open(":memory:").value();
  auto undigested = message("M1");
  undigested.digest.clear();
  ASSERT_TRUE(store->log_inbound(undigested));
  ASSERT_TRUE(store->log_inbound(message("M2")));
  const auto done = prune(*store, "9999-01-01T00:00:00.000Z", 1);
  EXPECT_EQ(done.by_age + done.by_size, 1);
  EXPECT_EQ(done.retained, 0) << "only payloads retention may drop are counted";
  EXPECT_EQ(store->find_inbound("EHR^GENERAL", "M1").value()->raw, undigested.raw)
      << "without a digest the payload is the only way to tell a resend";
}

TEST(SqliteStore, KeepsBinaryPayloadsExactly) {
  auto store = SqliteStore::open(":memory:").value();
  auto m = message("BIN");
  m.raw = std::string("a\0b\xff\r", 5);
  ASSERT_TRUE(store->log_inbound(m).ok());
  EXPECT_EQ(store->find_inbound(m.sender, "BIN").value()->raw, m.raw);
}

TEST_F(SqliteStoreFile, WhatWasLoggedSurvivesReopening) {
  const auto path = (dir_ / "radloop.db").string();
  {
    auto store = SqliteStore::open(path).value();
    EXPECT_EQ(store->schema_version(), 5);
    ASSERT_TRUE(store->log_inbound(message("M1")).ok());
  }
  auto reopened = SqliteStore::open(path).value();
  EXPECT_EQ(reopened->schema_version(), 5);
  EXPECT_TRUE(reopened->find_inbound("EHR^GENERAL", "M1").value().has_value());
}

TEST_F(SqliteStoreFile, RefusesASchemaNewerThanItKnows) {
  const auto path = (dir_ / "future.db").string();
  { auto store = SqliteStore::open(path).value(); }
  // A file written by a later version of radloop.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "PRAGMA user_version=99", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);

  auto store = SqliteStore::open(path);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code, Errc::store_failed);
  EXPECT_NE(store.error().detail.find("newer"), std::string::npos);
}

TEST_F(SqliteStoreFile, ReportsAnUnopenablePath) {
  auto store = SqliteStore::open((dir_ / "no" / "such" / "dir" / "x.db").string());
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code, Errc::store_failed);
}

TEST(SqliteStore, ManyThreadsLogConcurrently) {
  auto store = SqliteStore::open(":memory:").value();
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i)
        ASSERT_TRUE(store->log_inbound(message(std::to_string(t) + "-" + std::to_string(i))));
    });
  }
  for (auto& w : writers) w.join();
  EXPECT_EQ(store->count_inbound().value(), 200);
}

// A plain INSERT: when it meets a full store SQLite rolls back the whole transaction, not only
// the statement (an INSERT ... RETURNING, like log_inbound, keeps a statement journal and loses
// only itself).
Result<void> note(Tx& tx, const std::string& subject, std::size_t bytes) {
  return tx.add_audit(AuditRecord{1, "test", "note", subject, std::string(bytes, 'x')});
}

Result<void> note(Store& store, const std::string& subject, std::size_t bytes) {
  return store.write([&](Tx& tx) { return note(tx, subject, bytes); });
}

bool noted(Store& store, const std::string& subject) {
  return !store.read_value<std::vector<AuditRecord>>([&](Tx& tx) { return tx.audit(subject, 1); })->empty();
}

// The empty schema takes about 150 KiB: a limit of 256 KiB leaves room for small rows only.
constexpr std::uint64_t kSmallStore = 256 * 1024;
constexpr std::size_t kTooLarge = 1024 * 1024;

// One batch meets the store's limit twice: SQLite rolls the whole transaction back by itself each
// time. Every unit must be reported exactly as durable as it is: the small units before each loss
// are undone with it, the ones after the last loss are kept.
TEST_F(SqliteStoreFile, AFullStoreReportsExactlyWhatItKept) {
  auto store = SqliteStore::open((dir_ / "full.db").string(), StoreOptions{kSmallStore}).value();
  std::promise<void> gate;
  std::shared_future<void> opened = gate.get_future().share();
  std::atomic<bool> holding{false};
  // The first unit holds the writer while the others queue, in order, behind it: one batch.
  std::thread holder([&] {
    (void)store->write([&](Tx&) -> Result<void> {
      holding = true;
      opened.wait();
      return {};
    });
  });
  while (!holding) std::this_thread::yield();
  const std::vector<std::size_t> sizes{16, 16, kTooLarge, 16, 16, kTooLarge, 16, 16};
  std::vector<std::optional<bool>> reported(sizes.size());
  std::vector<std::thread> writers;
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    writers.emplace_back([&, i] { reported[i] = note(*store, std::to_string(i), sizes[i]).ok(); });
    while (store->stats().queued < i + 1) std::this_thread::yield();
  }
  gate.set_value();
  holder.join();
  for (auto& w : writers) w.join();

  const std::vector<bool> expected{false, false, false, false, false, false, true, true};
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    ASSERT_TRUE(reported[i].has_value());
    EXPECT_EQ(*reported[i], expected[i]) << "unit " << i;
    EXPECT_EQ(noted(*store, std::to_string(i)), *reported[i]) << "unit " << i << " reported " << *reported[i];
  }
  EXPECT_EQ(store->stats().transactions_lost, 2U);
  EXPECT_EQ(store->stats().largest_batch, sizes.size());
  // Reads go on, and a small write still fits.
  EXPECT_TRUE(note(*store, "after", 16).ok());
  EXPECT_TRUE(noted(*store, "after"));
}

TEST_F(SqliteStoreFile, AUnitCannotWriteOnceSQLiteHasRolledItsTransactionBack) {
  auto store = SqliteStore::open((dir_ / "full.db").string(), StoreOptions{kSmallStore}).value();
  auto r = store->write([](Tx& tx) -> Result<void> {
    (void)note(tx, "big", kTooLarge);  // fails, and SQLite ends the transaction
    return note(tx, "small", 16);      // would commit on its own
  });
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().detail.find("rolled back"), std::string::npos) << r.error().detail;
  EXPECT_FALSE(noted(*store, "small"));
  EXPECT_FALSE(noted(*store, "big"));
}

TEST_F(SqliteStoreFile, RefusesAWriteThatWouldPassItsSize) {
  auto store = SqliteStore::open((dir_ / "full.db").string(), StoreOptions{kSmallStore}).value();
  EXPECT_TRUE(note(*store, "fits", 16).ok());
  auto r = note(*store, "too-big", kTooLarge);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::store_failed);
  EXPECT_NE(r.error().detail.find("full"), std::string::npos) << r.error().detail;
  EXPECT_TRUE(noted(*store, "fits"));
  EXPECT_FALSE(noted(*store, "too-big"));
}

// Settled commitment reports are forgotten once settled before the cut; later ones and owed ones stay.
TEST_F(SqliteStoreFile, ForgetsOnlyCommitmentReportsSettledBeforeTheCut) {
  const auto path = (dir_ / "commitment.db").string();
  {
    auto store = SqliteStore::open(path).value();
    for (const auto& [uid, settled_at] : {std::pair{"1.1", 10}, {"1.2", 50}, {"1.3", 0}}) {
      CommitmentReportRecord r{0, uid, "CT1", "10.0.0.5", 104, "{}", 1, "owed", "", 0};
      ASSERT_TRUE(store->write([&](Tx& tx) { return tx.put_commitment_report(r); }));
      if (settled_at > 0) {
        ASSERT_TRUE(
            store->write([&](Tx& tx) { return tx.settle_commitment_report(r.id, "answered", "ok", settled_at); }));
      }
    }
    ASSERT_TRUE(store->write([](Tx& tx) { return tx.forget_settled_commitment_reports(30); }));
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  std::vector<std::string> left;
  sqlite3_exec(
      db, "SELECT transaction_uid FROM commitment_report ORDER BY transaction_uid",
      [](void* out, int, char** values, char**) {
        static_cast<std::vector<std::string>*>(out)->emplace_back(values[0]);
        return 0;
      },
      &left, nullptr);
  sqlite3_close(db);
  EXPECT_EQ(left, (std::vector<std::string>{"1.2", "1.3"}));
}

TEST_F(SqliteStoreFile, AStoreAlreadyPastItsLimitDoesNotOpen) {
  const auto path = (dir_ / "grown.db").string();
  {
    auto store = SqliteStore::open(path).value();
    ASSERT_TRUE(note(*store, "large", 1024 * 1024).ok());
  }
  auto limited = SqliteStore::open(path, StoreOptions{kSmallStore});
  ASSERT_FALSE(limited.ok());
  EXPECT_NE(limited.error().detail.find("raise the limit"), std::string::npos) << limited.error().message();
  EXPECT_TRUE(SqliteStore::open(path, StoreOptions{8 * 1024 * 1024}).ok());
}

}  // namespace
}  // namespace radloop::store
