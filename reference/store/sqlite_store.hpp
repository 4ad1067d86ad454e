// The embedded default store: one SQLite file, WAL journal, synchronous=FULL, versioned schema.
// Writes from concurrent callers are group-committed by one writer thread: each caller's work
// runs in its own savepoint of a shared transaction, so one failing unit does not undo another,
// and the batch costs one flush.
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "reference/store/store.hpp"

namespace radloop::store {

namespace internal {
class Db;
}

struct StoreStats {
  std::uint64_t commits = 0;  // transactions committed, each one flush
  std::uint64_t units = 0;    // units of work committed or failed
  std::uint64_t largest_batch = 0;
  std::uint64_t queued = 0;  // units waiting for the writer now
  // Transactions SQLite rolled back by itself (disk or store full, I/O error, out of memory): every
  // unit in them was reported failed.
  std::uint64_t transactions_lost = 0;
};

struct StoreOptions {
  // The most the database file may grow to (its -wal file comes on top); 0 is no limit but the
  // disk's. A write that needs more room fails (SQLITE_FULL) and is reported failed; reads, and
  // writes that fit in the pages already there, go on. A store already larger does not open.
  std::uint64_t max_bytes = 0;
};

class SqliteStore final : public Store {
 public:
  // path ":memory:" keeps everything in memory (tests); anything else is a file, created if absent.
  static Result<std::unique_ptr<SqliteStore>> open(const std::string& path, StoreOptions options = {});
  ~SqliteStore() override;

  Result<void> write(Work work) override;
  Result<void> read(Work work) override;

  [[nodiscard]] int schema_version() const { return schema_version_; }
  [[nodiscard]] StoreStats stats() const;

 private:
  struct Job;
  explicit SqliteStore(std::string path);
  Result<void> migrate();
  Result<void> limit_size(std::uint64_t max_bytes);
  void committer();
  void run_batch(const std::vector<Job*>& batch, std::vector<Result<void>>& results);
  Result<void> run_unit(Job& job);

  std::string path_;
  int schema_version_ = 0;
  std::unique_ptr<internal::Db> writer_;
  std::unique_ptr<internal::Db> reader_;  // a second connection for a file: reads do not wait on flushes
  std::mutex writer_mutex_;
  std::mutex reader_mutex_;

  mutable std::mutex queue_mutex_;
  std::condition_variable queue_ready_;
  std::deque<Job*> queue_;
  bool stopping_ = false;
  StoreStats stats_;
  std::thread thread_;
};

}  // namespace radloop::store
