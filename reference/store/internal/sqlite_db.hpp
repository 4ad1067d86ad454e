// A SQLite connection with a cache of prepared statements, and a statement that binds and reads
// columns by position. Internal to the SQLite store.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "reference/core/result.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace radloop::store::internal {

// A cached statement in use; it is reset (and its bindings cleared) when this goes away.
class Stmt {
 public:
  explicit Stmt(sqlite3_stmt* stmt) : stmt_(stmt) {}
  ~Stmt();
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  Stmt(Stmt&& other) noexcept : stmt_(other.stmt_) { other.stmt_ = nullptr; }
  Stmt& operator=(Stmt&&) = delete;

  Stmt& bind(int index, const std::string& text);
  Stmt& bind(int index, std::int64_t value);
  Stmt& bind(int index, int value) { return bind(index, static_cast<std::int64_t>(value)); }
  Stmt& bind_null(int index);
  // Binds each argument in turn, from index 1.
  template <typename... Args>
  Stmt& bind_all(const Args&... args) {
    int index = 0;
    (bind(++index, args), ...);
    return *this;
  }

  // SQLITE_ROW, SQLITE_DONE or an error code.
  int step();
  [[nodiscard]] std::string text(int column) const;
  [[nodiscard]] std::int64_t integer(int column) const;

 private:
  sqlite3_stmt* stmt_;
};

class Db {
 public:
  // Opens (and creates, unless read_only) the database at `path`.
  static Result<Db> open(const std::string& path, bool read_only);
  Db() = default;
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  Db(Db&& other) noexcept;
  Db& operator=(Db&& other) noexcept;

  Result<Stmt> prepare(const std::string& sql);
  Result<void> exec(const char* sql);
  // Runs a statement to completion (an INSERT, UPDATE or DELETE).
  Result<void> run(Stmt& stmt, const char* what) const;
  [[nodiscard]] Error failure(const std::string& what) const;
  [[nodiscard]] std::int64_t last_insert_id() const;
  [[nodiscard]] int changes() const;
  // False once SQLite has ended the transaction, which it does by itself after some failures
  // (SQLITE_FULL, SQLITE_IOERR, SQLITE_NOMEM): statements would then each commit on their own.
  [[nodiscard]] bool in_transaction() const;
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  void close();

  sqlite3* db_ = nullptr;
  std::string path_;
  std::map<std::string, sqlite3_stmt*> cache_;
};

}  // namespace radloop::store::internal
