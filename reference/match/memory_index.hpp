// Open orders held in memory, indexed by accession, Study Instance UID and patient: for tests,
// benchmarks and a pipeline that keeps its open orders in memory. Safe to read while writing.
#pragma once

#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "reference/match/records.hpp"

namespace radloop::match {

class MemoryOrderIndex final : public OrderIndex {
 public:
  // Replaces an order with the same order_id.
  void put(const OrderView& order);
  bool remove(const std::string& order_id);
  [[nodiscard]] std::size_t size() const;

  [[nodiscard]] std::vector<OrderView> by_accession(std::string_view accession) const override;
  [[nodiscard]] std::vector<OrderView> by_study_uid(std::string_view study_instance_uid) const override;
  [[nodiscard]] std::vector<OrderView> by_patient(const PatientKey& patient) const override;

 private:
  void unindex(const OrderView& order);
  [[nodiscard]] std::vector<OrderView> lookup(const std::unordered_multimap<std::string, std::string>& index,
                                              const std::string& key) const;

  mutable std::shared_mutex mutex_;
  std::unordered_map<std::string, OrderView> orders_;  // by order_id
  std::unordered_multimap<std::string, std::string> accession_, study_uid_, patient_;
};

}  // namespace radloop::match
