// SQLite implementation of Store, with its schema migrations in order.
#include "reference/store/sqlite_store.hpp"

#include <sqlite3.h>

#include <array>

namespace radloop::store {
namespace {

// Each entry moves the schema from version i to i+1. Never edit one that has shipped; append.
constexpr std::array kMigrations = {
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
};

// A prepared statement that finalizes itself.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) { sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr); }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  [[nodiscard]] bool ok() const { return stmt_ != nullptr; }
  void bind(int index, const std::string& text) {
    sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  }
  int step() { return sqlite3_step(stmt_); }
  [[nodiscard]] std::string text(int column) const {
    const auto* data = sqlite3_column_blob(stmt_, column);
    const auto size = sqlite3_column_bytes(stmt_, column);
    return data == nullptr ? std::string()
                           : std::string(static_cast<const char*>(data), static_cast<std::size_t>(size));
  }
  [[nodiscard]] std::int64_t integer(int column) const { return sqlite3_column_int64(stmt_, column); }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

}  // namespace

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const std::string& path) {
  sqlite3* db = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX;
  if (sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
    Error error{Errc::store_failed, path, db != nullptr ? sqlite3_errmsg(db) : "cannot allocate a connection"};
    sqlite3_close(db);
    return error;
  }
  std::unique_ptr<SqliteStore> store(new SqliteStore(db, path));
  sqlite3_busy_timeout(db, 5000);  // milliseconds; another process may hold the write lock
  // WAL + FULL: a committed transaction survives power loss; readers never block the writer.
  if (auto r = store->exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"); !r) {
    return r.error();
  }
  if (auto r = store->migrate(); !r) return r.error();
  return store;
}

SqliteStore::~SqliteStore() { sqlite3_close(db_); }

Error SqliteStore::failure(const std::string& what) const {
  return Error{Errc::store_failed, path_, what + ": " + sqlite3_errmsg(db_)};
}

Result<void> SqliteStore::exec(const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    Error error{Errc::store_failed, path_, message != nullptr ? message : "unknown error"};
    sqlite3_free(message);
    return error;
  }
  return {};
}

Result<void> SqliteStore::migrate() {
  std::lock_guard lock(mutex_);
  if (auto r = exec("BEGIN IMMEDIATE"); !r) return r;
  Statement version(db_, "PRAGMA user_version");
  if (!version.ok() || version.step() != SQLITE_ROW) return failure("reading the schema version");
  auto current = static_cast<std::size_t>(version.integer(0));
  if (current > kMigrations.size()) {
    (void)exec("ROLLBACK");
    return Error{Errc::store_failed, path_,
                 "schema version " + std::to_string(current) + " is newer than this build understands (" +
                     std::to_string(kMigrations.size()) + ")"};
  }
  for (; current < kMigrations.size(); ++current) {
    if (auto r = exec(kMigrations.at(current)); !r) {
      (void)exec("ROLLBACK");
      return r;
    }
  }
  const auto set_version = "PRAGMA user_version=" + std::to_string(current);
  if (auto r = exec(set_version.c_str()); !r) return r;
  if (auto r = exec("COMMIT"); !r) return r;
  schema_version_ = static_cast<int>(current);
  return {};
}

Result<LoggedMessage> SqliteStore::log_inbound(const InboundMessage& message) {
  std::lock_guard lock(mutex_);
  Statement insert(db_,
                   "INSERT INTO inbound_message (sender, control_id, message_type, peer, raw) VALUES (?,?,?,?,?) "
                   "ON CONFLICT (sender, control_id) DO NOTHING RETURNING id");
  if (!insert.ok()) return failure("preparing the inbound log insert");
  insert.bind(1, message.sender);
  insert.bind(2, message.control_id);
  insert.bind(3, message.message_type);
  insert.bind(4, message.peer);
  insert.bind(5, message.raw);
  const int rc = insert.step();
  if (rc == SQLITE_ROW) {
    const auto id = insert.integer(0);
    if (insert.step() != SQLITE_DONE) return failure("committing the inbound message");
    return LoggedMessage{id, false};
  }
  if (rc != SQLITE_DONE) return failure("logging the inbound message");
  // No row returned: the conflict clause fired, the message is already durable.
  Statement existing(db_, "SELECT id FROM inbound_message WHERE sender = ? AND control_id = ?");
  existing.bind(1, message.sender);
  existing.bind(2, message.control_id);
  if (!existing.ok() || existing.step() != SQLITE_ROW) return failure("finding the earlier copy of a duplicate");
  return LoggedMessage{existing.integer(0), true};
}

Result<std::optional<InboundMessage>> SqliteStore::find_inbound(const std::string& sender,
                                                                const std::string& control_id) {
  std::lock_guard lock(mutex_);
  Statement query(db_,
                  "SELECT sender, control_id, message_type, raw, peer FROM inbound_message "
                  "WHERE sender = ? AND control_id = ?");
  if (!query.ok()) return failure("preparing the inbound lookup");
  query.bind(1, sender);
  query.bind(2, control_id);
  const int rc = query.step();
  if (rc == SQLITE_DONE) return std::optional<InboundMessage>{};
  if (rc != SQLITE_ROW) return failure("looking up an inbound message");
  return std::optional<InboundMessage>{
      InboundMessage{query.text(0), query.text(1), query.text(2), query.text(3), query.text(4)}};
}

Result<std::int64_t> SqliteStore::count_inbound() {
  std::lock_guard lock(mutex_);
  Statement query(db_, "SELECT count(*) FROM inbound_message");
  if (!query.ok() || query.step() != SQLITE_ROW) return failure("counting inbound messages");
  return query.integer(0);
}

}  // namespace radloop::store
