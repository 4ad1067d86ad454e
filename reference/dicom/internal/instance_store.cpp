// The commit path of a received instance (see the header for the stages).
#include "reference/dicom/internal/instance_store.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <filesystem>
#include <system_error>

#include "reference/dicom/internal/file_ops.hpp"
#include "reference/dicom/internal/instance_header.hpp"

namespace radloop::dicom::internal {
namespace fs = std::filesystem;

namespace {

constexpr std::uint16_t kSuccess = 0x0000;
constexpr std::uint16_t kOutOfResources = 0xA700;
constexpr std::uint16_t kDoesNotMatchSopClass = 0xA900;
constexpr std::uint16_t kCannotUnderstand = 0xC000;
constexpr std::uint16_t kProcessingFailure = 0xC211;
constexpr std::uint16_t kCoercedOrConflict = 0xB000;

void remove_quietly(const std::string& path) {
  std::error_code ignored;
  fs::remove(path, ignored);
}

}  // namespace

InstanceStore::InstanceStore(const ServerConfig& config, InstanceSink sink)
    : root_(config.storage_dir),
      durability_(config.durability),
      overwrite_conflicts_(config.overwrite_conflicts),
      max_conflict_copies_(config.max_conflict_copies),
      limits_(config.dataset_limits),
      sink_(std::move(sink)),
      pid_(::getpid()) {}

Result<void> InstanceStore::prepare() {
  if (!enabled()) return {};
  std::error_code ec;
  for (const char* sub : {".incoming", ".conflicts"}) {
    fs::create_directories(fs::path(root_) / sub, ec);
    if (ec) return Error{Errc::io_failed, (fs::path(root_) / sub).string(), ec.message()};
  }
  // A transfer cut short by a crash leaves its temp file behind; nobody was told it arrived.
  for (const auto& entry : fs::directory_iterator(fs::path(root_) / ".incoming", ec)) remove_quietly(entry.path());
  auto indexed = catalog_.load(root_);
  if (!indexed) return indexed.error();
  if (*indexed > 0) spdlog::info("dicom: {} instances already stored under {}", *indexed, root_);
  return {};
}

std::string InstanceStore::temp_path() {
  return (fs::path(root_) / ".incoming" /
          (std::to_string(pid_) + "-" + std::to_string(next_temp_.fetch_add(1)) + ".part"))
      .string();
}

std::mutex& InstanceStore::mutex_for(const std::string& sop_instance_uid) {
  return uid_mutexes_[std::hash<std::string>{}(sop_instance_uid) % uid_mutexes_.size()];
}

StoreReply InstanceStore::fail(std::uint16_t status, std::string detail) {
  ++failures;
  return StoreReply{status, std::move(detail), false};
}

StoreReply InstanceStore::commit(const std::string& temp, const std::string& requested_class_uid,
                                 const std::string& requested_sop_uid, const std::string& calling_ae,
                                 FileDigester* digester) {
  const bool sync = durability_ != ServerConfig::Durability::none;
  auto digest = digester != nullptr ? digester->finish(sync) : digest_file(temp, sync);
  if (!digest) {
    remove_quietly(temp);
    return fail(kOutOfResources, digest.error().message());
  }
  // A small file was read whole by the digest: its header is parsed from those bytes.
  auto header = read_instance_header(temp, digester != nullptr ? digester->whole_file() : std::string(), limits_);
  if (!header) {
    remove_quietly(temp);
    const auto& e = header.error();
    return fail(kCannotUnderstand,
                e.code == Errc::dicom_refused ? e.detail + " (" + e.where + ", refused before parsing)" : e.detail);
  }
  InstanceRecord record = std::move(header).value();
  if (record.sop_class_uid != requested_class_uid) {
    remove_quietly(temp);
    return fail(kDoesNotMatchSopClass, "SOP Class UID in the data set \"" + record.sop_class_uid +
                                           "\" differs from the request's \"" + requested_class_uid + "\"");
  }
  if (record.sop_instance_uid != requested_sop_uid) {
    remove_quietly(temp);
    return fail(kDoesNotMatchSopClass, "SOP Instance UID in the data set \"" + record.sop_instance_uid +
                                           "\" differs from the request's \"" + requested_sop_uid + "\"");
  }
  for (const auto* uid : {&record.study_instance_uid, &record.series_instance_uid, &record.sop_instance_uid}) {
    if (!is_path_safe_uid(*uid)) {
      remove_quietly(temp);
      return fail(kCannotUnderstand, "\"" + *uid + "\" is not a valid UID (digits and dots only)");
    }
  }
  record.size_bytes = digest->size_bytes;
  record.dataset_digest = digest->dataset_digest;
  record.calling_ae = calling_ae;

  std::lock_guard lock(mutex_for(record.sop_instance_uid));
  auto reply = place(temp, record);
  const bool moved =
      (reply.status == kSuccess || reply.conflict) && record.outcome != InstanceRecord::Outcome::duplicate;
  if (!moved) remove_quietly(temp);  // a duplicate, or a failure: nothing of it is kept
  if (reply.status != kSuccess && !reply.conflict) return reply;

  Result<void> sunk;
  try {
    if (sink_) sunk = sink_(record);
  } catch (const std::exception& e) {
    sunk = Error{Errc::internal, "instance sink", e.what()};
  }
  if (!sunk) {
    // What this store put on disk goes; a copy kept before (a resend of a conflict) stays.
    if (record.outcome != InstanceRecord::Outcome::duplicate && !reply.kept_before) remove_quietly(record.file_path);
    spdlog::error("dicom: instance {} not indexed: {}", record.sop_instance_uid, sunk.error().message());
    return fail(sunk.error().code == Errc::internal ? kProcessingFailure : kOutOfResources,
                "not indexed: " + sunk.error().message());
  }
  switch (record.outcome) {
    case InstanceRecord::Outcome::stored:
      catalog_.add(record);
      ++stored;
      break;
    case InstanceRecord::Outcome::duplicate: ++duplicates; break;
    case InstanceRecord::Outcome::conflict: ++conflicts; break;
  }
  return reply;
}

StoreReply InstanceStore::place(const std::string& temp, InstanceRecord& record) {
  const bool sync_dirs = durability_ == ServerConfig::Durability::file_and_directory;
  const auto root = fs::path(root_);
  const auto series_dir = root / record.study_instance_uid / record.series_instance_uid;
  const auto final_path = series_dir / (record.sop_instance_uid + ".dcm");
  std::error_code ec;

  // A series folder is known once an instance of it was stored and its parents flushed; until
  // then every instance of it (several may arrive at once) makes sure of the folders and flushes
  // the parents itself, so none is answered before the entries leading to it are durable.
  bool known_series = false;
  {
    std::lock_guard lock(series_mutex_);
    known_series = made_series_.contains(series_dir.string());
  }
  if (!known_series) {
    fs::create_directories(series_dir, ec);
    if (ec) return fail(kOutOfResources, "cannot create " + series_dir.string() + ": " + ec.message());
  }
  // Never over an instance already there: the kernel refuses (EEXIST) rather than replace it,
  // which is both the existence check and the move, with nothing in between.
  if (::renameat2(AT_FDCWD, temp.c_str(), AT_FDCWD, final_path.c_str(), RENAME_NOREPLACE) != 0) {
    if (errno == EEXIST) return keep_or_set_aside(temp, final_path, record);
    if (errno != EINVAL)
      return fail(kOutOfResources, "cannot move the instance into place: " + std::string(std::strerror(errno)));
    // A file system without RENAME_NOREPLACE: look, then move (the UID's lock keeps this safe).
    if (fs::exists(final_path, ec)) return keep_or_set_aside(temp, final_path, record);
    fs::rename(temp, final_path, ec);
    if (ec) return fail(kOutOfResources, "cannot move the instance into place: " + ec.message());
  }
  if (sync_dirs) {
    std::vector<fs::path> dirs{series_dir};
    if (!known_series) dirs.insert(dirs.end(), {series_dir.parent_path(), root});
    for (const auto& dir : dirs) {
      if (auto synced = sync_directory(dir.string()); !synced) {
        remove_quietly(final_path.string());
        return fail(kOutOfResources, synced.error().message());
      }
    }
  }
  if (!known_series) {
    std::lock_guard lock(series_mutex_);
    made_series_.insert(series_dir.string());
  }
  record.outcome = InstanceRecord::Outcome::stored;
  record.file_path = final_path.string();
  return StoreReply{kSuccess, {}, false};
}

// The SOP Instance UID is stored already: the same data set is a duplicate (nothing more is
// kept), another one a conflict kept under .conflicts and answered with a warning.
StoreReply InstanceStore::keep_or_set_aside(const std::string& temp, const fs::path& final_path,
                                            InstanceRecord& record) {
  const bool sync_dirs = durability_ == ServerConfig::Durability::file_and_directory;
  const auto root = fs::path(root_);
  std::error_code ec;
  auto existing = digest_file(final_path.string(), false);
  if (!existing) return fail(kOutOfResources, existing.error().message());
  if (existing->dataset_digest == record.dataset_digest) {
    record.outcome = InstanceRecord::Outcome::duplicate;
    record.file_path = final_path.string();
    return StoreReply{kSuccess, {}, false};
  }
  if (overwrite_conflicts_) {
    fs::rename(temp, final_path, ec);
    if (ec) return fail(kOutOfResources, "cannot replace the stored copy: " + ec.message());
    record.outcome = InstanceRecord::Outcome::duplicate;  // indexed once; its content is gone
    record.file_path = final_path.string();
    return StoreReply{kSuccess, {}, false};
  }
  // Every place up to max_conflict_copies is looked at: a copy already kept with this data set is
  // the answer again (a resend), not another copy; else the first free place takes it.
  fs::path aside;
  for (unsigned n = 1; n <= max_conflict_copies_; ++n) {
    auto slot = root / ".conflicts" / (record.sop_instance_uid + "." + std::to_string(n) + ".dcm");
    if (!fs::exists(slot, ec)) {
      if (aside.empty()) aside = std::move(slot);
      continue;
    }
    auto kept = digest_file(slot.string(), false);
    if (!kept) {
      spdlog::warn("dicom: the conflicting copy {} cannot be read: {}", slot.string(), kept.error().message());
      continue;
    }
    if (kept->dataset_digest == record.dataset_digest) {
      remove_quietly(temp);
      record.outcome = InstanceRecord::Outcome::conflict;
      record.file_path = slot.string();
      StoreReply reply{kCoercedOrConflict,
                       "SOP Instance UID " + record.sop_instance_uid +
                           " already stored with another data set; this one (digest " + record.dataset_digest +
                           ") was kept before at " + slot.string(),
                       true};
      reply.kept_before = true;
      return reply;
    }
  }
  if (aside.empty()) {
    ++conflicts_refused;
    remove_quietly(temp);
    return fail(kOutOfResources,
                "SOP Instance UID " + record.sop_instance_uid + " already has " + std::to_string(max_conflict_copies_) +
                    " conflicting copies kept (dicom.max_conflict_copies); this one is refused, not stored");
  }
  fs::rename(temp, aside, ec);
  if (ec) return fail(kOutOfResources, "cannot keep the conflicting copy: " + ec.message());
  if (sync_dirs) {
    if (auto synced = sync_directory(aside.parent_path().string()); !synced) {
      remove_quietly(aside.string());
      return fail(kOutOfResources, synced.error().message());
    }
  }
  record.outcome = InstanceRecord::Outcome::conflict;
  record.file_path = aside.string();
  return StoreReply{kCoercedOrConflict,
                    "SOP Instance UID " + record.sop_instance_uid + " already stored with another data set (digest " +
                        existing->dataset_digest + "); this one (digest " + record.dataset_digest + ") kept at " +
                        aside.string(),
                    true};
}

}  // namespace radloop::dicom::internal
