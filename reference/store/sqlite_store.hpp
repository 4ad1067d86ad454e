// The embedded default store: one SQLite file, WAL journal, synchronous=FULL, versioned schema.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "reference/store/store.hpp"

struct sqlite3;

namespace radloop::store {

class SqliteStore final : public Store {
 public:
  // path ":memory:" keeps everything in memory (tests); anything else is a file, created if absent.
  static Result<std::unique_ptr<SqliteStore>> open(const std::string& path);
  ~SqliteStore() override;

  Result<LoggedMessage> log_inbound(const InboundMessage& message) override;
  Result<std::optional<InboundMessage>> find_inbound(const std::string& sender, const std::string& control_id) override;
  Result<std::int64_t> count_inbound() override;

  [[nodiscard]] int schema_version() const { return schema_version_; }

 private:
  SqliteStore(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  Result<void> migrate();
  Result<void> exec(const char* sql);
  [[nodiscard]] Error failure(const std::string& what) const;

  sqlite3* db_;
  std::string path_;
  int schema_version_ = 0;
  std::mutex mutex_;  // one connection, used by many server threads
};

}  // namespace radloop::store
