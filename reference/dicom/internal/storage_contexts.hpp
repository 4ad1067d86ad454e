// The storage presentation contexts an association is offered: which SOP classes the server
// takes, and with which transfer syntax, chosen by the server's order of preference.
#pragma once

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmnet/assoc.h>

#include <string>
#include <unordered_set>
#include <vector>

namespace radloop::dicom::internal {

class StorageContexts {
 public:
  // `classes` empty: every storage SOP class DCMTK knows. `syntaxes` in the server's order of
  // preference.
  StorageContexts(const std::vector<std::string>& classes, std::vector<std::string> syntaxes);

  // Runs after the shared profile's negotiation, which has accepted or refused every proposed
  // context. Each context proposing a storage class is accepted with the first of our syntaxes the
  // peer proposed for it, or refused with "transfer syntaxes not supported" unless the profile
  // accepted it; other contexts keep what the profile decided.
  // Each context costs one lookup, where DCMTK's ASC_acceptContextsWithPreferredTransferSyntaxes
  // compares every class with every context for every syntax (a peer's 128 contexts meant
  // millions of string comparisons per association).
  OFCondition negotiate(T_ASC_Parameters& params) const;

 private:
  std::unordered_set<std::string> classes_;
  std::vector<std::string> syntaxes_;
};

}  // namespace radloop::dicom::internal
