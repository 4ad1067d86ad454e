// Storage presentation contexts, negotiated one lookup per context (see the header).
#include "reference/dicom/internal/storage_contexts.hpp"

#include <dcmtk/dcmdata/dcuid.h>

#include <algorithm>
#include <bitset>
#include <string_view>
#include <utility>

namespace radloop::dicom::internal {

StorageContexts::StorageContexts(const std::vector<std::string>& classes, std::vector<std::string> syntaxes)
    : syntaxes_(std::move(syntaxes)) {
  if (classes.empty()) {
    classes_.insert(dcmAllStorageSOPClassUIDs, dcmAllStorageSOPClassUIDs + numberOfDcmAllStorageSOPClassUIDs);
  } else {
    classes_.insert(classes.begin(), classes.end());
  }
}

OFCondition StorageContexts::negotiate(T_ASC_Parameters& params) const {
  const int count = ASC_countPresentationContexts(&params);
  std::bitset<256> seen;
  for (int i = 0; i < count; ++i) {
    T_ASC_PresentationContext pc{};
    if (auto cond = ASC_getPresentationContext(&params, i, &pc); cond.bad()) return cond;
    if (seen.test(pc.presentationContextID)) continue;
    seen.set(pc.presentationContextID);
    if (!classes_.contains(std::string_view(pc.abstractSyntax))) continue;
    const auto proposed = [&](const std::string& syntax) {
      for (int t = 0; t < pc.transferSyntaxCount; ++t) {
        if (syntax == pc.proposedTransferSyntaxes[t]) return true;
      }
      return false;
    };
    const auto chosen = std::find_if(syntaxes_.begin(), syntaxes_.end(), proposed);
    OFCondition cond = EC_Normal;
    if (chosen != syntaxes_.end()) {
      cond = ASC_acceptPresentationContext(&params, pc.presentationContextID, chosen->c_str());
    } else if (pc.resultReason != ASC_P_ACCEPTANCE) {
      cond = ASC_refusePresentationContext(&params, pc.presentationContextID, ASC_P_TRANSFERSYNTAXESNOTSUPPORTED);
    }
    if (cond.bad()) return cond;
  }
  return EC_Normal;
}

}  // namespace radloop::dicom::internal
