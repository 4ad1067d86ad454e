// Deliberate mishandling, all off by default: each switch makes the reference pipeline behave
// like an integration engine with one well-known defect, so that a scenario can be shown to
// catch that defect (`radloop run --break NAME`). No real configuration turns any of them on.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "reference/core/result.hpp"

namespace radloop::pipeline {

struct Sabotage {
  bool link_on_accession = false;       // link whenever an order has the accession: patient, issuer, collisions ignored
  bool trust_study_uid = false;         // a Study UID match links on its own, and any MPPS lends the order its UID
  bool drop_unmatched = false;          // a study that does not link is not kept: no review, no waiting
  bool first_report_only = false;       // only an accession's first report goes to the EHR
  bool lose_reports = false;            // ORU is ACKed AA and never kept (acknowledged before durable)
  bool keep_duplicates = false;         // a resent message is kept and applied again
  bool ignore_merges = false;           // A40 is ACKed and nothing is merged
  bool refuse_unknown_reports = false;  // a report for an unknown order is answered AE
  bool ignore_dicom_reports = false;    // SR and PDF are filed as images, never read as reports
  bool ignore_zds = false;              // the Study Instance UID in ZDS is not read
  bool never_recheck = false;           // a waiting study is not decided again when its order arrives
  bool cancel_drops_images = false;     // cancelling an order rejects the studies linked to it
  bool change_unlinks = false;          // changing an order (XO) unlinks its studies
  bool strict_line_breaks = false;      // a message with raw line breaks inside a field is rejected
  bool reports_need_images = false;     // a report whose order has no study yet waits for good
  bool names_must_agree = false;        // a report is tied only when its patient name is the registry's
  bool chart_unknown_reports = false;   // a report for an unknown order goes to the EHR as it came
  bool cut_at_line_break = false;       // report text goes out up to each section's first line break
  bool drop_addendum_text = false;      // an addendum goes out with its heading and no text
  bool worklist_shifted_patients = false;   // each worklist item carries the patient of the order before it
  bool report_to_previous_patient = false;  // a report goes to the EHR under the previous report's patient
  // Set up at start rather than in a flow:
  bool no_retry = false;                         // one delivery attempt, then the dead-letter queue
  bool retry_with_new_id = false;                // a retry goes out under a new control ID
  bool refuse_duplicate_instances = false;       // an instance sent again is answered with a failure
  bool accept_unknown_callers = false;           // any calling AE may store
  bool accept_any_transfer_syntax = false;       // every transfer syntax DCMTK knows is accepted
  bool one_read_one_message = false;             // the MLLP reader takes each TCP read for a whole message
  bool overwrite_conflicting_instances = false;  // a SOP Instance UID sent again with other content replaces the first
  bool called_ae_any_case = false;               // "radloop" is taken for "RADLOOP"
};

struct SabotageSwitch {
  std::string_view name;
  std::string_view sentence;  // what the defect is, for help texts and reports
  bool Sabotage::*flag;
};

const std::vector<SabotageSwitch>& sabotage_switches();

// Turns on the named switch; an unknown name is invalid_config listing the known ones.
Result<void> enable(Sabotage& sabotage, std::string_view name);

}  // namespace radloop::pipeline
