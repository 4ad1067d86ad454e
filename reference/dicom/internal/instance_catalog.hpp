// What the store holds, indexed in memory by SOP Instance UID: it answers Storage Commitment
// ("is it durably here?") and the query service ("did it land?"). Rebuilt from disk at start.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "reference/core/result.hpp"
#include "reference/dicom/instance.hpp"

namespace radloop::dicom::internal {

class InstanceCatalog {
 public:
  // Indexes every <study>/<series>/<sop>.dcm under root (the layout InstanceStore writes);
  // a file that cannot be read is skipped with a warning. Returns how many were indexed.
  Result<std::size_t> load(const std::string& root);
  // Replaces any record with the same SOP Instance UID.
  void add(const InstanceRecord& record);
  [[nodiscard]] std::optional<InstanceRecord> find(const std::string& sop_instance_uid) const;
  // Every record, ordered by study, series and SOP Instance UID.
  [[nodiscard]] std::vector<InstanceRecord> all() const;
  [[nodiscard]] std::size_t size() const;

 private:
  mutable std::shared_mutex mutex_;
  std::map<std::string, InstanceRecord> by_sop_uid_;
};

}  // namespace radloop::dicom::internal
