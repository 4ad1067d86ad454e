// Storage Commitment (push model) on DCMTK: reading an N-ACTION request, judging each reference
// against what is durably stored, and writing and delivering the N-EVENT-REPORT.
#pragma once

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdatset.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "reference/core/result.hpp"
#include "reference/dicom/commitment.hpp"
#include "reference/dicom/internal/instance_catalog.hpp"

namespace radloop::dicom::internal {

struct ParsedCommitmentRequest {
  std::string transaction_uid;
  std::vector<SopReference> references;
  std::uint16_t status = 0;  // non-zero: the N-ACTION failure to answer with; error says why
  std::string error;
};

// Reads Transaction UID (0008,1195) and Referenced SOP Sequence (0008,1199) from an N-ACTION
// data set (which may be absent: that is a failure, not a crash).
ParsedCommitmentRequest parse_commitment_request(DcmDataset* action_information);

// An instance is committed when the durable index (`indexed`, when given; else the catalog) holds
// it with the SOP class asked for and its file is still on disk with the size indexed; otherwise
// it fails with the reason a PACS would give.
CommitmentReport judge_commitment(const ParsedCommitmentRequest& request, const InstanceCatalog& catalog,
                                  const IndexedInstance& indexed = {});

// The N-EVENT-REPORT data set: Transaction UID, Retrieve AE Title, Referenced SOP Sequence and,
// when something failed, Failed SOP Sequence with Failure Reason.
std::unique_ptr<DcmDataset> report_dataset(const CommitmentReport& report, const std::string& retrieve_ae);

// Reads a report data set back (used by requesters and by tests).
Result<CommitmentReport> read_report_dataset(DcmDataset& dataset);

// Opens an association to the peer as the Storage Commitment SCP (SCP/SCU role selection: we
// propose the SCP role), sends the report, releases. Returns the N-EVENT-REPORT response status.
Result<std::uint16_t> send_report_on_new_association(const CommitmentPeer& peer, const std::string& our_ae,
                                                     const CommitmentReport& report, std::chrono::seconds timeout);

// "transaction 1.2.3: 3 committed, 1 failed (1.2.3.4: no such object instance (0x0112))".
std::string summarize(const CommitmentReport& report);

}  // namespace radloop::dicom::internal
