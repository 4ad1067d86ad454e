// What the matching rules look at: plain views of orders and studies, and where the open orders
// are found. No storage here; the store (or a test) provides the index.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace radloop::match {

// A patient identifier is only meaningful with its assigning authority: MRN 123 at one facility
// is not MRN 123 at another.
struct PatientKey {
  std::string id;
  std::string issuer;  // assigning authority (PID-3.4, Issuer of Patient ID)
  friend bool operator==(const PatientKey&, const PatientKey&) = default;
};

struct OrderView {
  std::string order_id;  // the store's key (placer or filler number)
  PatientKey patient;
  std::string accession;
  std::string modality;
  std::string scheduled_date;      // YYYYMMDD
  std::string study_instance_uid;  // from the order (ZDS), when it carried one
};

struct StudyView {
  PatientKey patient;
  std::string accession;
  std::string study_instance_uid;
  std::string modality;
  std::string study_date;  // YYYYMMDD
  std::string source;      // who sent it (calling AE): selects the ID normalisation rules
};

// The open orders, by the keys the rules look up. Implementations return copies and must be
// safe to call from several threads.
class OrderIndex {
 public:
  virtual ~OrderIndex() = default;
  [[nodiscard]] virtual std::vector<OrderView> by_accession(std::string_view accession) const = 0;
  [[nodiscard]] virtual std::vector<OrderView> by_study_uid(std::string_view study_instance_uid) const = 0;
  [[nodiscard]] virtual std::vector<OrderView> by_patient(const PatientKey& patient) const = 0;
};

}  // namespace radloop::match
