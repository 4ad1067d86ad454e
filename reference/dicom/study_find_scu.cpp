// Study Root C-FIND at STUDY level (see the header).
#include "reference/dicom/study_find_scu.hpp"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <fmt/format.h>

#include "reference/dicom/internal/find_user.hpp"
#include "reference/dicom/internal/item_access.hpp"

namespace radloop::dicom {

Result<std::vector<StudyMatch>> find_studies(const FindPeer& peer, const std::string& study_uid) {
  internal::FindRequest request;
  request.peer = {peer.host, peer.port, peer.calling_ae, peer.called_ae, peer.timeout, ASC_DEFAULTMAXPDU};
  request.sop_class = UID_FINDStudyRootQueryRetrieveInformationModel;
  request.service = "Study Root C-FIND";
  request.where =
      fmt::format("Study Root C-FIND {} -> {} at {}:{}", peer.calling_ae, peer.called_ae, peer.host, peer.port);
  request.timeout_seconds = static_cast<int>(peer.timeout.count());
  DcmDataset query;
  query.putAndInsertString(DCM_QueryRetrieveLevel, "STUDY");
  query.putAndInsertString(DCM_StudyInstanceUID, study_uid.c_str());
  for (const auto& tag : {DCM_PatientID, DCM_IssuerOfPatientID, DCM_PatientName, DCM_AccessionNumber,
                          DCM_NumberOfStudyRelatedInstances}) {
    query.insertEmptyElement(tag);
  }
  std::vector<StudyMatch> matches;
  auto done = internal::find(request, query, [&](DcmDataset& identifier) {
    StudyMatch m;
    m.study_uid = internal::text_of(identifier, DCM_StudyInstanceUID);
    m.patient_id = internal::text_of(identifier, DCM_PatientID);
    m.issuer = internal::text_of(identifier, DCM_IssuerOfPatientID);
    m.patient_name = internal::text_of(identifier, DCM_PatientName);
    m.accession = internal::text_of(identifier, DCM_AccessionNumber);
    const auto count = internal::text_of(identifier, DCM_NumberOfStudyRelatedInstances);
    try {
      if (!count.empty()) m.instances = std::stoll(count);
    } catch (const std::exception&) {
      // An unreadable count is left unknown, not guessed.
    }
    matches.push_back(std::move(m));
  });
  if (!done) return done.error();
  return matches;
}

}  // namespace radloop::dicom
