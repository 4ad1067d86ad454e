// Building the store's queries: a WHERE clause from the filter fields that are set, and the rows
// of a prepared query collected as records. Internal to the SQLite store.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "reference/core/result.hpp"
#include "reference/store/internal/sqlite_db.hpp"

namespace radloop::store::internal {

// A WHERE clause built from the filter fields that are set.
class Where {
 public:
  void eq(const char* column, const std::string& value) {
    if (!value.empty()) add(column, " = ?", value);
  }
  void eq(const char* column, std::int64_t value) {
    if (value != 0) add(column, " = ?", value);
  }
  void cmp(const char* column, const char* op, const std::string& value) {
    if (!value.empty()) add(column, op, value);
  }
  void greater(const char* column, std::int64_t value) {
    if (value != 0) add(column, " > ?", value);
  }
  void raw(const char* condition) {
    sql_ += " AND ";
    sql_ += condition;
  }
  // "<select> WHERE 1=1 <conditions> <tail>" prepared and bound.
  Result<Stmt> prepare(Db& db, const std::string& select, const std::string& tail, int limit) const {
    auto stmt = db.prepare(select + " WHERE 1=1" + sql_ + " " + tail + " LIMIT ?");
    if (!stmt) return stmt;
    int index = 0;
    for (const auto& arg : args_) {
      std::visit([&](const auto& v) { stmt->bind(++index, v); }, arg);
    }
    stmt->bind(++index, static_cast<std::int64_t>(limit > 0 ? limit : -1));
    return stmt;
  }

 private:
  void add(const char* column, const char* op, std::variant<std::string, std::int64_t> value) {
    sql_ += " AND ";
    sql_ += column;
    sql_ += op;
    args_.push_back(std::move(value));
  }
  std::string sql_;
  std::vector<std::variant<std::string, std::int64_t>> args_;
};

// Collects every row of a prepared query through `read`.
template <typename T, typename F>
Result<std::vector<T>> collect(Db& db, Result<Stmt> stmt, F read, const char* what) {
  if (!stmt) return stmt.error();
  std::vector<T> out;
  for (;;) {
    const int rc = stmt->step();
    if (rc == SQLITE_DONE) return out;
    if (rc != SQLITE_ROW) return db.failure(what);
    out.push_back(read(*stmt));
  }
}

}  // namespace radloop::store::internal
