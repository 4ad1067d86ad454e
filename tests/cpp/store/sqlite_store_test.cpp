#include "reference/store/sqlite_store.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

namespace radloop::store {
namespace {

InboundMessage message(const std::string& control_id) {
  return InboundMessage{"EHR^GENERAL",    control_id, "ADT^A04", "MSH|^~\\&|EHR|GENERAL|||||ADT^A04|" + control_id,
                        "127.0.0.1:5000", ""};
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
    EXPECT_EQ(store->schema_version(), 3);
    ASSERT_TRUE(store->log_inbound(message("M1")).ok());
  }
  auto reopened = SqliteStore::open(path).value();
  EXPECT_EQ(reopened->schema_version(), 3);
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

}  // namespace
}  // namespace radloop::store
