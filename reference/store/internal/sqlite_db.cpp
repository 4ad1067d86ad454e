// SQLite connection and statement helpers (see sqlite_db.hpp).
#include "reference/store/internal/sqlite_db.hpp"

#include <sqlite3.h>

namespace radloop::store::internal {

Stmt::~Stmt() {
  if (stmt_ != nullptr) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
}

Stmt& Stmt::bind(int index, const std::string& text) {
  sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  return *this;
}

Stmt& Stmt::bind(int index, std::int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

Stmt& Stmt::bind_null(int index) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}

int Stmt::step() { return sqlite3_step(stmt_); }

std::string Stmt::text(int column) const {
  const auto* data = sqlite3_column_blob(stmt_, column);
  const auto size = sqlite3_column_bytes(stmt_, column);
  return data == nullptr ? std::string() : std::string(static_cast<const char*>(data), static_cast<std::size_t>(size));
}

std::int64_t Stmt::integer(int column) const { return sqlite3_column_int64(stmt_, column); }

Result<Db> Db::open(const std::string& path, bool read_only) {
  Db db;
  db.path_ = path;
  const int flags = (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
                    SQLITE_OPEN_NOMUTEX;  // the store serialises use of each connection itself
  if (sqlite3_open_v2(path.c_str(), &db.db_, flags, nullptr) != SQLITE_OK) {
    return Error{Errc::store_failed, path, db.db_ != nullptr ? sqlite3_errmsg(db.db_) : "cannot allocate a connection"};
  }
  sqlite3_busy_timeout(db.db_, 5000);  // milliseconds; another process may hold the write lock
  return db;
}

Db::~Db() { close(); }

Db::Db(Db&& other) noexcept : db_(other.db_), path_(std::move(other.path_)), cache_(std::move(other.cache_)) {
  other.db_ = nullptr;
  other.cache_.clear();
}

Db& Db::operator=(Db&& other) noexcept {
  if (this != &other) {
    close();
    db_ = other.db_;
    path_ = std::move(other.path_);
    cache_ = std::move(other.cache_);
    other.db_ = nullptr;
    other.cache_.clear();
  }
  return *this;
}

void Db::close() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  cache_.clear();
  if (db_ != nullptr) sqlite3_close(db_);
  db_ = nullptr;
}

Result<Stmt> Db::prepare(const std::string& sql) {
  if (auto found = cache_.find(sql); found != cache_.end()) return Stmt(found->second);
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v3(db_, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) != SQLITE_OK) {
    return failure("preparing \"" + sql.substr(0, 60) + "\"");
  }
  cache_.emplace(sql, stmt);
  return Stmt(stmt);
}

Result<void> Db::exec(const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    Error error{Errc::store_failed, path_, message != nullptr ? message : "unknown error"};
    sqlite3_free(message);
    return error;
  }
  return {};
}

Result<void> Db::run(Stmt& stmt, const char* what) const {
  const int rc = stmt.step();
  if (rc != SQLITE_DONE && rc != SQLITE_ROW) return failure(what);
  return {};
}

Error Db::failure(const std::string& what) const {
  std::string detail = what;
  detail += ": ";
  detail += sqlite3_errmsg(db_);
  return Error{Errc::store_failed, path_, std::move(detail)};
}

std::int64_t Db::last_insert_id() const { return sqlite3_last_insert_rowid(db_); }
int Db::changes() const { return sqlite3_changes(db_); }
bool Db::in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }

}  // namespace radloop::store::internal
