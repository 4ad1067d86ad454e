// DICOM report objects to a report record: a Structured Report's content tree walked into
// headed text and coded findings; an encapsulated PDF kept as an attachment, no text guessed.
#pragma once

#include "reference/dicom/sr.hpp"
#include "reference/report/report.hpp"

namespace radloop::report {

// Status: VERIFIED and COMPLETE is final, anything else preliminary. Each CONTAINER under the
// root is a section (an "Addendum" one goes to addenda); TEXT, NUM, CODE, PNAME, DATE and TIME
// items become its lines; CODE items are also coded findings.
Report report_from_sr(const dicom::SrDocument& sr);

// The document as an attachment with its digest; the status is left unknown (a PDF says none).
Report report_from_pdf(const dicom::EncapsulatedDocument& pdf);

}  // namespace radloop::report
