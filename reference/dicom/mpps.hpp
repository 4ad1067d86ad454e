// Modality Performed Procedure Step (PS3.4 Annex F) as plain records, and the state rules an
// archive applies to N-CREATE and N-SET. No DCMTK type crosses this header.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "reference/core/result.hpp"
#include "reference/dicom/commitment.hpp"

namespace radloop::dicom {

inline constexpr std::string_view kMppsSopClassUid = "1.2.840.10008.3.1.2.3.3";

struct PerformedSeries {
  std::string series_instance_uid;      // (0020,000E)
  std::string series_description;       // (0008,103E)
  std::string performing_physician;     // (0008,1050)
  std::vector<SopReference> instances;  // Referenced Image Sequence (0008,1140)
};

struct PerformedProcedureStep {
  enum class Status : std::uint8_t { in_progress, completed, discontinued };

  std::string sop_instance_uid;
  Status status = Status::in_progress;  // (0040,0252)
  std::string patient_id;               // (0010,0020)
  std::string patient_name;             // (0010,0010)
  // From the first item of the Scheduled Step Attributes Sequence (0040,0270): what was ordered.
  std::string accession_number;             // (0008,0050)
  std::string study_instance_uid;           // (0020,000D)
  std::string requested_procedure_id;       // (0040,1001)
  std::string scheduled_procedure_step_id;  // (0040,0009)
  std::string performed_procedure_step_id;  // (0040,0253)
  std::string modality;                     // (0008,0060)
  std::string station_ae_title;             // (0040,0241) Performed Station AE Title
  std::string start_date;                   // (0040,0244)
  std::string start_time;                   // (0040,0245)
  std::string end_date;                     // (0040,0250)
  std::string end_time;                     // (0040,0251)
  std::string discontinuation_reason;       // (0040,0281) code meaning (or value)
  std::vector<PerformedSeries> series;      // (0040,0340)
  std::string calling_ae;                   // who created it

  [[nodiscard]] std::size_t instance_count() const;
};

// "IN PROGRESS", "COMPLETED", "DISCONTINUED" (the DICOM defined terms).
std::string_view to_string(PerformedProcedureStep::Status status);
std::optional<PerformedProcedureStep::Status> status_from_string(std::string_view text);

// What one N-SET carries: only the attributes present in its modification list are set.
struct MppsModification {
  std::optional<std::string> status;  // as sent; must name a status
  std::optional<std::string> end_date;
  std::optional<std::string> end_time;
  std::optional<std::string> discontinuation_reason;
  std::optional<std::vector<PerformedSeries>> series;
  // Attributes present that N-SET may not change (Table F.7.2-1 "Not allowed"), by name.
  std::vector<std::string> not_allowed;
};

// The answer to one request: the DIMSE status, the sentence behind a failure, and the step as
// it now stands (the step before the request, on a failure to set; nothing for an unknown UID).
struct MppsOutcome {
  std::uint16_t status = 0;
  std::string error_comment;   // (0000,0902) on a failure
  std::uint16_t error_id = 0;  // (0000,0903), e.g. 0xA710 when the step is final
  std::optional<PerformedProcedureStep> step;
  std::optional<PerformedProcedureStep::Status> previous;  // on a successful N-SET
};

// Keeps a step as a request would leave it, before the request is answered (a store writes it
// durably). A failure leaves the registry as it was, and the request is answered 0x0110
// Processing failure with the reason: success is never answered for a change that was not kept.
// Called on a service thread, without the registry's lock; the step's UID is reserved meanwhile.
using MppsSink = std::function<Result<void>(const PerformedProcedureStep&)>;

// The steps an archive holds, with the rules of PS3.4 F.7.2: N-CREATE makes a step IN PROGRESS;
// N-SET changes it while IN PROGRESS; COMPLETED and DISCONTINUED are final. Thread-safe.
class MppsRegistry {
 public:
  MppsRegistry() = default;
  // Begins with the steps a store kept (a restart goes on where the last run stopped).
  explicit MppsRegistry(const std::vector<PerformedProcedureStep>& known);

  // `requested_status` is the PPS Status the N-CREATE carried, as text. A change is made only
  // once `keep` (when given) has kept it.
  MppsOutcome create(PerformedProcedureStep step, std::string_view requested_status, const MppsSink& keep = {});
  MppsOutcome set(const std::string& sop_instance_uid, const MppsModification& modification, const MppsSink& keep = {});
  [[nodiscard]] std::optional<PerformedProcedureStep> find(const std::string& sop_instance_uid) const;
  [[nodiscard]] std::vector<PerformedProcedureStep> all() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, PerformedProcedureStep> steps_;
  std::set<std::string> changing_;  // steps being kept by a sink right now (without the lock)
};

// Called on a service thread after each step created or changed and answered; must be thread-safe.
using MppsObserver = std::function<void(const PerformedProcedureStep&)>;

}  // namespace radloop::dicom
