// The in-memory index of stored instances (see the header).
#include "reference/dicom/internal/instance_catalog.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>
#include <mutex>
#include <tuple>

#include "reference/dicom/internal/instance_header.hpp"

namespace radloop::dicom::internal {
namespace fs = std::filesystem;

Result<std::size_t> InstanceCatalog::load(const std::string& root) {
  std::error_code ec;
  std::size_t loaded = 0;
  // Two levels of folders, then files; ".incoming" and ".conflicts" hold nothing stored.
  for (const auto& study : fs::directory_iterator(root, ec)) {
    if (!study.is_directory() || study.path().filename().string().starts_with(".")) continue;
    for (const auto& series : fs::directory_iterator(study.path(), ec)) {
      if (!series.is_directory()) continue;
      for (const auto& file : fs::directory_iterator(series.path(), ec)) {
        if (!file.is_regular_file() || file.path().extension() != ".dcm") continue;
        auto header = read_instance_header(file.path().string());
        if (!header) {
          spdlog::warn("dicom: {} is not indexed: {}", file.path().string(), header.error().detail);
          continue;
        }
        header->file_path = file.path().string();
        header->size_bytes = file.file_size(ec);
        add(*header);
        ++loaded;
      }
    }
  }
  if (ec) return Error{Errc::io_failed, root, "cannot list the stored instances: " + ec.message()};
  return loaded;
}

void InstanceCatalog::add(const InstanceRecord& record) {
  std::unique_lock lock(mutex_);
  by_sop_uid_.insert_or_assign(record.sop_instance_uid, record);
}

std::optional<InstanceRecord> InstanceCatalog::find(const std::string& sop_instance_uid) const {
  std::shared_lock lock(mutex_);
  const auto found = by_sop_uid_.find(sop_instance_uid);
  if (found == by_sop_uid_.end()) return std::nullopt;
  return found->second;
}

std::vector<InstanceRecord> InstanceCatalog::all() const {
  std::vector<InstanceRecord> records;
  {
    std::shared_lock lock(mutex_);
    records.reserve(by_sop_uid_.size());
    for (const auto& [uid, record] : by_sop_uid_) records.push_back(record);
  }
  std::sort(records.begin(), records.end(), [](const InstanceRecord& a, const InstanceRecord& b) {
    return std::tie(a.study_instance_uid, a.series_instance_uid, a.sop_instance_uid) <
           std::tie(b.study_instance_uid, b.series_instance_uid, b.sop_instance_uid);
  });
  return records;
}

std::size_t InstanceCatalog::size() const {
  std::shared_lock lock(mutex_);
  return by_sop_uid_.size();
}

}  // namespace radloop::dicom::internal
