// The sabotage switches' names and sentences (see sabotage.hpp).
#include "reference/pipeline/sabotage.hpp"

namespace radloop::pipeline {

const std::vector<SabotageSwitch>& sabotage_switches() {
  static const std::vector<SabotageSwitch> switches{
      {"link_on_accession", "links on the accession alone (patient, issuer and collisions ignored)",
       &Sabotage::link_on_accession},
      {"trust_study_uid", "links on a Study UID alone and lets any MPPS lend an order its UID",
       &Sabotage::trust_study_uid},
      {"drop_unmatched", "keeps no study that does not link at once", &Sabotage::drop_unmatched},
      {"first_report_only", "forwards only the first report of an accession", &Sabotage::first_report_only},
      {"lose_reports", "acknowledges reports without keeping them", &Sabotage::lose_reports},
      {"keep_duplicates", "keeps and applies a resent message again", &Sabotage::keep_duplicates},
      {"ignore_merges", "acknowledges A40 and merges nothing", &Sabotage::ignore_merges},
      {"refuse_unknown_reports", "answers AE to a report for an unknown order", &Sabotage::refuse_unknown_reports},
      {"ignore_dicom_reports", "files SR and PDF as images, never as reports", &Sabotage::ignore_dicom_reports},
      {"ignore_zds", "ignores the Study Instance UID in ZDS", &Sabotage::ignore_zds},
      {"never_recheck", "never decides a waiting study again when its order arrives", &Sabotage::never_recheck},
      {"cancel_drops_images", "rejects the linked studies when an order is cancelled", &Sabotage::cancel_drops_images},
      {"change_unlinks", "unlinks an order's studies when the order is changed (XO)", &Sabotage::change_unlinks},
      {"strict_line_breaks", "rejects a message with raw line breaks inside a field", &Sabotage::strict_line_breaks},
      {"reports_need_images", "holds for good a report whose order has no study yet", &Sabotage::reports_need_images},
      {"names_must_agree", "ties a report to its order only when its patient name is the registry's (name matching)",
       &Sabotage::names_must_agree},
      {"chart_unknown_reports", "forwards a report for an order nobody placed to the EHR as it came",
       &Sabotage::chart_unknown_reports},
      {"cut_at_line_break", "forwards each report section only up to its first line break",
       &Sabotage::cut_at_line_break},
      {"drop_addendum_text", "forwards an addendum without its own text", &Sabotage::drop_addendum_text},
      {"worklist_shifted_patients",
       "serves each worklist item with the patient of the order before it (an export off by one row)",
       &Sabotage::worklist_shifted_patients},
      {"report_to_previous_patient",
       "sends each report to the EHR under the patient of the report before it (a cached PID segment)",
       &Sabotage::report_to_previous_patient},
      {"no_retry", "makes one delivery attempt, then gives up", &Sabotage::no_retry},
      {"retry_with_new_id", "sends each retry under a new control ID", &Sabotage::retry_with_new_id},
      {"refuse_duplicate_instances", "answers an instance sent again with a failure",
       &Sabotage::refuse_duplicate_instances},
      {"accept_unknown_callers", "lets any calling AE store", &Sabotage::accept_unknown_callers},
      {"accept_any_transfer_syntax", "accepts every transfer syntax, whatever the site configured",
       &Sabotage::accept_any_transfer_syntax},
      {"one_read_one_message", "takes each TCP read for a whole HL7 message (split frames arrive as fragments)",
       &Sabotage::one_read_one_message},
      {"overwrite_conflicting_instances",
       "lets an instance sent again with other content silently replace the stored one",
       &Sabotage::overwrite_conflicting_instances},
      {"called_ae_any_case", "compares the called AE title without regard to case", &Sabotage::called_ae_any_case},
  };
  return switches;
}

Result<void> enable(Sabotage& sabotage, std::string_view name) {
  std::string known;
  for (const auto& s : sabotage_switches()) {
    if (s.name == name) {
      sabotage.*(s.flag) = true;
      return {};
    }
    if (!known.empty()) known += ", ";
    known += s.name;
  }
  return Error{Errc::invalid_config, "--break " + std::string(name), "not a known defect (known: " + known + ")"};
}

}  // namespace radloop::pipeline
