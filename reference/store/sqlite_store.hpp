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

#include "reference/store/store.hpp"

namespace radloop::store {

namespace internal {
class Db;
}

struct StoreStats {
  std::uint64_t commits = 0;  // transactions, each one flush
  std::uint64_t units = 0;    // units of work committed or failed
  std::uint64_t largest_batch = 0;
};

class SqliteStore final : public Store {
 public:
  // path ":memory:" keeps everything in memory (tests); anything else is a file, created if absent.
  static Result<std::unique_ptr<SqliteStore>> open(const std::string& path);
  ~SqliteStore() override;

  Result<void> write(Work work) override;
  Result<void> read(Work work) override;

  [[nodiscard]] int schema_version() const { return schema_version_; }
  [[nodiscard]] StoreStats stats() const;

 private:
  struct Job;
  explicit SqliteStore(std::string path);
  Result<void> migrate();
  void committer();

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
