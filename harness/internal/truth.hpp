// The ground truth of a run read back from its history: the studies the modalities sent, the
// reports the RIS signed, the merges the EHR made. Shared by the checkers; nothing here asks the
// system under test.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "harness/history.hpp"

namespace radloop::harness::internal {

// A study a modality step sent with at least one instance accepted.
struct SentStudy {
  std::string step;
  std::string study_uid;
  std::string truth_patient;
  std::string truth_accession;
  std::string truth_issuer;
  std::int64_t accepted = 0;  // instances answered with success or a warning, first sending
  std::int64_t sent = 0;      // distinct instances (a resend sends the same ones again)
};
std::vector<SentStudy> sent_studies(const std::vector<Operation>& ops);

// Patients merged by an A40, prior MRN -> survivor: what was the prior patient's belongs to the
// survivor afterwards.
std::map<std::string, std::string> merges(const std::vector<Operation>& ops);
std::string survivor(const std::map<std::string, std::string>& into, std::string mrn);

// A report the RIS signed, as its invocation's truth says.
struct SignedReport {
  std::string step;
  std::string accession;
  std::string status;
  std::string patient_id;
  std::string issuer;
  std::string text;  // empty: not compared (a PDF)
  bool addendum = false;
  bool order_known = true;
  bool accepted = false;  // the system took it (AA/CA, or a DICOM success)
  bool maybe = false;     // no answer came: it may have been taken (counts toward what may be charted)
  std::string message;    // sender and control ID: a resend under them is the same report
};

// How each step ended, by step index, read once: taken (an ok completion) and perhaps taken (an
// info completion: no answer came).
struct Ended {
  bool ok = false;
  bool info = false;
};
std::map<std::int64_t, Ended> endings(const std::vector<Operation>& ops);

// Every report a step signed, in the order sent, whatever the system answered.
std::vector<SignedReport> signed_reports(const std::vector<Operation>& ops);

}  // namespace radloop::harness::internal
