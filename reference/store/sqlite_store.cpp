// SQLite implementation of Store: connections, migrations and the group-committing writer.
#include "reference/store/sqlite_store.hpp"

#include <sqlite3.h>

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

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const std::string& path) {
  std::unique_ptr<SqliteStore> store(new SqliteStore(path));
  auto writer = Db::open(path, false);
  if (!writer) return writer.error();
  store->writer_ = std::make_unique<Db>(std::move(writer).value());
  // WAL + FULL: a committed transaction survives power loss; readers never block the writer.
  if (auto r = store->writer_->exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"); !r) {
    return r.error();
  }
  if (auto r = store->migrate(); !r) return r.error();
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
  return stats_;
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
      Result<void> begun = writer_->exec("BEGIN IMMEDIATE");
      for (std::size_t i = 0; i < batch.size() && begun; ++i) {
        if (auto r = writer_->exec("SAVEPOINT unit"); !r) {
          results[i] = r;
          continue;
        }
        SqliteTx tx(*writer_, false);
        try {
          results[i] = batch[i]->work(tx);
        } catch (const std::exception& e) {
          results[i] = Error{Errc::store_failed, path_, std::string("a unit of work threw: ") + e.what()};
        }
        if (!results[i]) (void)writer_->exec("ROLLBACK TO unit");
        (void)writer_->exec("RELEASE unit");
      }
      Result<void> committed = begun ? writer_->exec("COMMIT") : begun;
      if (!committed) {
        if (begun) (void)writer_->exec("ROLLBACK");
        for (auto& r : results) r = committed;  // nothing of the batch is durable
      }
    }
    {
      std::lock_guard lock(queue_mutex_);
      ++stats_.commits;
      stats_.units += batch.size();
      stats_.largest_batch = std::max<std::uint64_t>(stats_.largest_batch, batch.size());
    }
    for (std::size_t i = 0; i < batch.size(); ++i) batch[i]->done.set_value(std::move(results[i]));
  }
}

}  // namespace radloop::store
