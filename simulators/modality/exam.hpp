// One exam as a modality performs it, faults included: ask the worklist, pick the order,
// synthesize the study, MPPS IN PROGRESS, send the images, MPPS COMPLETED (or DISCONTINUED), ask
// for storage commitment. Every step and answer goes to the event log with the ground truth.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <vector>

#include "reference/core/result.hpp"
#include "reference/dicom/worklist.hpp"
#include "simulators/modality/commitment_scu.hpp"
#include "simulators/modality/events.hpp"
#include "simulators/modality/faults.hpp"
#include "simulators/modality/mpps_scu.hpp"
#include "simulators/modality/store_scu.hpp"
#include "simulators/modality/study.hpp"
#include "simulators/modality/target.hpp"

namespace radloop::modality {

struct ExamPlan {
  Target archive;                  // C-STORE, MPPS and storage commitment
  std::optional<Target> worklist;  // none: the patient and order typed into `study` are used
  dicom::WorklistQuery query;      // the keys the modality asks the worklist with
  std::size_t pick = 0;            // which of the worklist's answers is performed
  // When set: the answer with this accession is performed, whatever its place in the list (the
  // technologist picks the patient on the table); none such: the exam is not performed.
  std::string pick_accession;
  // Whom the exam is truly for (the order the modality was sent to perform), when known: the
  // truth of the exam whatever the worklist answers. An item that disagrees with it is recorded
  // as a worklist_mismatch event, and the exam goes on with what the worklist gave, as a real
  // modality would. None: the truth is the worklist item (or the typed patient without one).
  std::optional<GroundTruth> truth;
  StudySpec study;  // modality, seed, counts, sizes, transfer syntax (and patient/order without a worklist)
  std::vector<Fault> faults;
  StoreOptions store;
  bool mpps = true;
  bool commitment = false;
  std::uint16_t commitment_listen_port = 0;  // 0: the report is awaited on the requesting association
  std::filesystem::path work_dir;            // the study is written under it
};

struct ExamReport {
  GroundTruth truth;  // whom the exam really was for
  StudySpec sent;     // what the modality put in the images
  std::vector<SynthesizedInstance> instances;
  StoreReport store;
  std::optional<StoreReport> resend;
  std::optional<MppsAnswer> mpps_create;
  std::optional<MppsAnswer> mpps_set;
  std::optional<CommitmentOutcome> commitment;
};

// Errors are what stop the exam (no worklist answer to pick, a study that cannot be written);
// what the archive answered, refusals included, is in the report and the log.
Result<ExamReport> run_exam(const ExamPlan& plan, EventLog& log);

}  // namespace radloop::modality
