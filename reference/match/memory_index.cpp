// The in-memory order index (see the header).
#include "reference/match/memory_index.hpp"

#include <mutex>

namespace radloop::match {
namespace {

std::string patient_key(const PatientKey& p) { return p.id + '\x1f' + p.issuer; }

void erase_pair(std::unordered_multimap<std::string, std::string>& index, const std::string& key,
                const std::string& order_id) {
  auto [first, last] = index.equal_range(key);
  for (auto it = first; it != last; ++it) {
    if (it->second == order_id) {
      index.erase(it);
      return;
    }
  }
}

}  // namespace

void MemoryOrderIndex::unindex(const OrderView& order) {
  erase_pair(accession_, order.accession, order.order_id);
  erase_pair(study_uid_, order.study_instance_uid, order.order_id);
  erase_pair(patient_, patient_key(order.patient), order.order_id);
}

void MemoryOrderIndex::put(const OrderView& order) {
  std::unique_lock lock(mutex_);
  if (const auto old = orders_.find(order.order_id); old != orders_.end()) unindex(old->second);
  orders_[order.order_id] = order;
  if (!order.accession.empty()) accession_.emplace(order.accession, order.order_id);
  if (!order.study_instance_uid.empty()) study_uid_.emplace(order.study_instance_uid, order.order_id);
  patient_.emplace(patient_key(order.patient), order.order_id);
}

bool MemoryOrderIndex::remove(const std::string& order_id) {
  std::unique_lock lock(mutex_);
  const auto found = orders_.find(order_id);
  if (found == orders_.end()) return false;
  unindex(found->second);
  orders_.erase(found);
  return true;
}

std::size_t MemoryOrderIndex::size() const {
  std::shared_lock lock(mutex_);
  return orders_.size();
}

std::vector<OrderView> MemoryOrderIndex::lookup(const std::unordered_multimap<std::string, std::string>& index,
                                                const std::string& key) const {
  std::shared_lock lock(mutex_);
  std::vector<OrderView> out;
  auto [first, last] = index.equal_range(key);
  for (auto it = first; it != last; ++it) out.push_back(orders_.at(it->second));
  return out;
}

std::vector<OrderView> MemoryOrderIndex::by_accession(std::string_view accession) const {
  return lookup(accession_, std::string(accession));
}

std::vector<OrderView> MemoryOrderIndex::by_study_uid(std::string_view study_instance_uid) const {
  return lookup(study_uid_, std::string(study_instance_uid));
}

std::vector<OrderView> MemoryOrderIndex::by_patient(const PatientKey& patient) const {
  return lookup(patient_, patient_key(patient));
}

}  // namespace radloop::match
