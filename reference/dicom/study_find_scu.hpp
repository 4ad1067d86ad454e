// Study Root C-FIND as a service user, at STUDY level by Study Instance UID: what an archive
// shows of a study (patient, accession, instance count), the harness's view of a system it can
// only reach through DICOM.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "reference/core/result.hpp"

namespace radloop::dicom {

struct FindPeer {
  std::string host = "127.0.0.1";
  std::uint16_t port = 104;
  std::string calling_ae = "RADLOOP_SCU";
  std::string called_ae = "RADLOOP";
  std::chrono::seconds timeout{10};
};

struct StudyMatch {
  std::string study_uid;
  std::string patient_id;
  std::string issuer;
  std::string patient_name;
  std::string accession;
  std::optional<std::int64_t> instances;  // Number of Study Related Instances, when the peer answers it
};

// A peer that offers no Study Root C-FIND is dicom_no_presentation_context; a refused or failed
// query is dicom_dimse_failed with the status.
Result<std::vector<StudyMatch>> find_studies(const FindPeer& peer, const std::string& study_uid);

}  // namespace radloop::dicom
