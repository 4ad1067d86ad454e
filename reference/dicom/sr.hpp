// DICOM report objects read into plain records: a Structured Report's content tree, and an
// encapsulated document's bytes. No DCMTK type crosses this header.
#pragma once

#include <string>
#include <vector>

#include "reference/core/result.hpp"

namespace radloop::dicom {

// One content item (PS3.3 C.17.3): its relationship to its parent, value type, concept name and
// value, and the items it contains.
struct SrItem {
  std::string relationship;     // CONTAINS, HAS PROPERTIES ... ("" for the root)
  std::string value_type;       // CONTAINER, TEXT, CODE, NUM, PNAME, DATE, TIME, DATETIME, UIDREF ...
  std::string concept_code;     // (0040,A043) code value
  std::string concept_meaning;  // (0040,A043) code meaning
  std::string value;            // TEXT, PNAME, DATE, TIME, DATETIME, UIDREF: as is; CODE: its meaning;
                                // NUM: the number and its units' code value ("12 mm")
  std::string code;             // CODE: the code value; NUM: the units' code value
  std::string code_system;      // CODE: the coding scheme designator
  std::vector<SrItem> children;
};

// The identifiers a report is filed by, read from any report object.
struct ReportObjectKeys {
  std::string patient_id;
  std::string issuer;
  std::string patient_name;
  std::string accession;
  std::string study_instance_uid;
  std::string sop_instance_uid;
  std::string sop_class_uid;
  std::string content_date;
  std::string content_time;
};

struct SrDocument {
  ReportObjectKeys keys;
  std::string completion_flag;    // COMPLETE or PARTIAL
  std::string verification_flag;  // VERIFIED or UNVERIFIED
  std::string verifying_observer;
  SrItem root;
};

struct EncapsulatedDocument {
  ReportObjectKeys keys;
  std::string title;      // (0042,0010)
  std::string mime_type;  // (0042,0012)
  std::string bytes;      // the document, without the trailing pad byte when the length says so
};

// dicom_dimse_failed (not readable), invalid_config (not an SR, not an encapsulated document).
Result<SrDocument> read_structured_report(const std::string& path);
Result<EncapsulatedDocument> read_encapsulated_document(const std::string& path);

}  // namespace radloop::dicom
