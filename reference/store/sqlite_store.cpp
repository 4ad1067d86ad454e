// SQLite implementation of Store: connections, migrations and the group-committing writer.
#include "reference/store/sqlite_store.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <future>

#include "reference/store/internal/sqlite_db.hpp"
#include "reference/store/internal/sqlite_tx.hpp"

namespace radloop::store {

using internal::Db;
using internal::SqliteTx;

namespace {
constexpr std::size_t kMaxBatch = 512;
}

struct SqliteStore::Job {
  Work work;
  std::promise<Result<void>> done;
};

SqliteStore::SqliteStore(std::string path) : path_(std::move(path)) {}

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const std::string& path, StoreOptions options) {
  std::unique_ptr<SqliteStore> store(new SqliteStore(path));
  auto writer = Db::open(path, false);
  if (!writer) return writer.error();
  store->writer_ = std::make_unique<Db>(std::move(writer).value());
  // WAL + FULL: a committed transaction survives power loss; readers never block the writer.
  if (auto r = store->writer_->exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"); !r) {
    return r.error();
  }
  if (auto r = store->migrate(); !r) return r.error();
  if (options.max_bytes > 0) {
    if (auto r = store->limit_size(options.max_bytes); !r) return r.error();
  }
  if (path != ":memory:" && path.rfind("file:", 0) != 0) {
    auto reader = Db::open(path, true);
    if (!reader) return reader.error();
    store->reader_ = std::make_unique<Db>(std::move(reader).value());
  }
  store->thread_ = std::thread([raw = store.get()] { raw->committer(); });
  return store;
}

SqliteStore::~SqliteStore() {
  {
    std::lock_guard lock(queue_mutex_);
    stopping_ = true;
  }
  queue_ready_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Result<void> SqliteStore::migrate() {
  const auto& steps = internal::migrations();
  if (auto r = writer_->exec("BEGIN IMMEDIATE"); !r) return r;
  std::size_t current = 0;
  {
    auto version = writer_->prepare("PRAGMA user_version");
    if (!version || version->step() != SQLITE_ROW) {
      (void)writer_->exec("ROLLBACK");
      return writer_->failure("reading the schema version");
    }
    current = static_cast<std::size_t>(version->integer(0));
  }  // the statement is released before the schema changes
  if (current > steps.size()) {
    (void)writer_->exec("ROLLBACK");
    return Error{Errc::store_failed, path_,
                 "schema version " + std::to_string(current) + " is newer than this build understands (" +
                     std::to_string(steps.size()) + ")"};
  }
  for (; current < steps.size(); ++current) {
    if (auto r = writer_->exec(steps.at(current)); !r) {
      (void)writer_->exec("ROLLBACK");
      return r;
    }
  }
  const auto set_version = "PRAGMA user_version=" + std::to_string(current);
  if (auto r = writer_->exec(set_version.c_str()); !r) {
    (void)writer_->exec("ROLLBACK");
    return r;
  }
  if (auto r = writer_->exec("COMMIT"); !r) return r;
  schema_version_ = static_cast<int>(current);
  return {};
}

Result<void> SqliteStore::limit_size(std::uint64_t max_bytes) {
  auto page_size = writer_->prepare("PRAGMA page_size");
  if (!page_size || page_size->step() != SQLITE_ROW || page_size->integer(0) <= 0) {
    return writer_->failure("reading the page size");
  }
  const auto page_bytes = static_cast<std::uint64_t>(page_size->integer(0));
  const auto pages = std::max<std::uint64_t>(1, max_bytes / page_bytes);
  const auto sql = "PRAGMA max_page_count=" + std::to_string(pages);
  auto applied = writer_->prepare(sql);
  if (!applied || applied->step() != SQLITE_ROW) return writer_->failure("limiting the store's size");
  // SQLite never sets the limit below the pages the file already has: a store that is already
  // larger would refuse almost every write from the start, with nothing to say why.
  const auto limit = static_cast<std::uint64_t>(applied->integer(0));
  if (limit > pages) {
    return Error{Errc::store_failed, path_,
                 "the store is already " + std::to_string((limit * page_bytes) >> 20) +
                     " MiB, more than its size limit of " + std::to_string(max_bytes >> 20) +
                     " MiB; raise the limit (0: none but the disk's)"};
  }
  return {};
}

Result<void> SqliteStore::write(Work work) {
  Job job{std::move(work), {}};
  auto done = job.done.get_future();
  {
    std::lock_guard lock(queue_mutex_);
    if (stopping_) return Error{Errc::store_failed, path_, "the store is closing"};
    queue_.push_back(&job);
  }
  queue_ready_.notify_one();
  return done.get();
}

Result<void> SqliteStore::read(Work work) {
  // A file has its own read connection; in memory there is only the writer's.
  auto& mutex = reader_ ? reader_mutex_ : writer_mutex_;
  auto& db = reader_ ? *reader_ : *writer_;
  std::lock_guard lock(mutex);
  if (auto r = db.exec("BEGIN"); !r) return r;
  SqliteTx tx(db, true);
  Result<void> result;
  try {
    result = work(tx);
  } catch (const std::exception& e) {
    result = Error{Errc::store_failed, path_, std::string("reading failed: ") + e.what()};
  }
  (void)db.exec("COMMIT");
  return result;
}

StoreStats SqliteStore::stats() const {
  std::lock_guard lock(queue_mutex_);
  StoreStats stats = stats_;
  stats.queued = queue_.size();
  return stats;
}

void SqliteStore::committer() {
  for (;;) {
    std::vector<Job*> batch;
    {
      std::unique_lock lock(queue_mutex_);
      queue_ready_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and nothing left to write
      while (!queue_.empty() && batch.size() < kMaxBatch) {
        batch.push_back(queue_.front());
        queue_.pop_front();
      }
    }
    std::vector<Result<void>> results(batch.size());
    {
      std::lock_guard db_lock(writer_mutex_);
      run_batch(batch, results);
    }
    {
      std::lock_guard lock(queue_mutex_);
      stats_.units += batch.size();
      stats_.largest_batch = std::max<std::uint64_t>(stats_.largest_batch, batch.size());
    }
    for (std::size_t i = 0; i < batch.size(); ++i) batch[i]->done.set_value(std::move(results[i]));
  }
}

// One transaction for the whole batch when nothing goes wrong. SQLite may end a transaction by
// itself (SQLITE_FULL, SQLITE_IOERR, SQLITE_NOMEM): every unit in it is then undone and reported
// failed, and the units after it go on in a new transaction, so that what is reported committed is
// exactly what is durable.
void SqliteStore::run_batch(const std::vector<Job*>& batch, std::vector<Result<void>>& results) {
  if (writer_->in_transaction()) (void)writer_->exec("ROLLBACK");  // left open by a ROLLBACK that failed
  std::size_t first = 0;                                           // the first unit of the open transaction
  Result<void> open = writer_->exec("BEGIN IMMEDIATE");
  for (std::size_t i = 0; i < batch.size() && open; ++i) {
    results[i] = run_unit(*batch[i]);
    if (writer_->in_transaction()) continue;
    const std::string cause = results[i] ? "SQLite ended the transaction" : results[i].error().detail;
    for (std::size_t j = first; j <= i; ++j) {
      if (results[j]) {
        results[j] = Error{Errc::store_failed, path_, "undone when SQLite rolled back its transaction (" + cause + ")"};
      }
    }
    {
      std::lock_guard lock(queue_mutex_);
      ++stats_.transactions_lost;
    }
    first = i + 1;
    if (first < batch.size()) open = writer_->exec("BEGIN IMMEDIATE");
  }
  if (first == batch.size()) return;  // the last transaction was lost, with its units
  Result<void> committed = open ? writer_->exec("COMMIT") : open;
  if (committed) {
    std::lock_guard lock(queue_mutex_);
    ++stats_.commits;
    return;
  }
  if (writer_->in_transaction()) (void)writer_->exec("ROLLBACK");
  for (std::size_t j = first; j < batch.size(); ++j) results[j] = committed.error();  // none of these is durable
}

Result<void> SqliteStore::run_unit(Job& job) {
  if (auto r = writer_->exec("SAVEPOINT unit"); !r) return r;
  SqliteTx tx(*writer_, false);
  Result<void> result;
  try {
    result = job.work(tx);
  } catch (const std::exception& e) {
    result = Error{Errc::store_failed, path_, std::string("a unit of work threw: ") + e.what()};
  } catch (...) {
    result = Error{Errc::store_failed, path_, "a unit of work threw something that is not an exception"};
  }
  if (!result) {
    // A ROLLBACK TO that fails without ending the transaction would leave half the unit to be
    // committed with the others: the whole transaction goes instead, and run_batch reports it.
    if (auto undone = writer_->exec("ROLLBACK TO unit"); !undone && writer_->in_transaction()) {
      (void)writer_->exec("ROLLBACK");
    }
  }
  (void)writer_->exec("RELEASE unit");
  return result;
}

}  // namespace radloop::store
