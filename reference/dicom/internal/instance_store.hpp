// Turns a received temp file into a durable instance, shared by every association of a server:
//
//   .incoming/<n>.part --header, UID checks--> digest + fsync --> exists?
//        no:  rename to <study>/<series>/<sop>.dcm, fsync dirs            -> stored    0x0000
//        yes, same SHA-256: drop the temp file                            -> duplicate 0x0000
//        yes, other bytes:  rename to .conflicts/<sop>.<n>.dcm            -> conflict  0xB000
//   --> sink(record); an error there undoes the write                     -> 0xA700
//
// Any failure removes the temp file: no half instance ever sits in a final location.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <string>
#include <unordered_set>

#include "reference/dicom/instance.hpp"
#include "reference/dicom/internal/file_ops.hpp"
#include "reference/dicom/internal/instance_catalog.hpp"
#include "reference/dicom/server.hpp"

namespace radloop::dicom::internal {

struct StoreReply {
  std::uint16_t status = 0;
  std::string detail;        // for a failure or a conflict, in words
  bool conflict = false;     // kept aside under .conflicts
  bool kept_before = false;  // a conflict sent again: the copy kept earlier answers, nothing new on disk
};

class InstanceStore {
 public:
  InstanceStore(const ServerConfig& config, InstanceSink sink);

  // Creates the storage folders and indexes what they already hold; nothing to do when storage is off.
  Result<void> prepare();
  [[nodiscard]] bool enabled() const { return !root_.empty(); }
  // A fresh file name under .incoming for one transfer.
  std::string temp_path();
  // Takes over the temp file (it is gone afterwards, whatever the outcome).
  // The request's Affected SOP Class and Instance UIDs must be the data set's own.
  // `digester` has taken in what arrived while the file was received (null: digest it all now).
  StoreReply commit(const std::string& temp, const std::string& requested_class_uid,
                    const std::string& requested_sop_uid, const std::string& calling_ae,
                    FileDigester* digester = nullptr);

  // The instances kept in their final place, by this server or before it started.
  [[nodiscard]] const InstanceCatalog& catalog() const { return catalog_; }

  std::atomic<std::uint64_t> stored{0};
  std::atomic<std::uint64_t> duplicates{0};
  std::atomic<std::uint64_t> conflicts{0};
  std::atomic<std::uint64_t> conflicts_refused{0};
  std::atomic<std::uint64_t> failures{0};

 private:
  StoreReply place(const std::string& temp, InstanceRecord& record);
  StoreReply keep_or_set_aside(const std::string& temp, const std::filesystem::path& final_path,
                               InstanceRecord& record);
  StoreReply fail(std::uint16_t status, std::string detail);

  std::string root_;
  ServerConfig::Durability durability_;
  bool overwrite_conflicts_;  // the defect (server.hpp)
  unsigned max_conflict_copies_;
  DatasetLimits limits_;
  InstanceSink sink_;
  InstanceCatalog catalog_;
  std::mutex series_mutex_;
  std::unordered_set<std::string> made_series_;  // series folders known to exist
  std::atomic<std::uint64_t> next_temp_{0};
  int pid_;  // in temp file names, so two servers sharing a folder never collide
  // One is held from the existence check to the sink's answer, so two copies of one SOP Instance
  // UID arriving together are judged one after the other; other instances go on in parallel.
  std::array<std::mutex, 64> uid_mutexes_;
  std::mutex& mutex_for(const std::string& sop_instance_uid);
};

}  // namespace radloop::dicom::internal
