// The storage presentation contexts an association is offered: which SOP classes the server
// takes, and with which transfer syntax, chosen by the server's order of preference.
#pragma once

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmnet/assoc.h>

#include <functional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace radloop::dicom::internal {

class StorageContexts {
 public:
  // `classes` empty: every storage SOP class DCMTK knows. `syntaxes` in the server's order of
  // preference.
  StorageContexts(const std::vector<std::string>& classes, std::vector<std::string> syntaxes);

  // Runs after the shared profile's negotiation, which has accepted or refused each proposed
  // context ID. Each context proposing a storage class is accepted with the first of our syntaxes
  // the peer proposed for it, or refused with "transfer syntaxes not supported" unless the profile
  // accepted it; other contexts keep what the profile decided. One lookup per context: DCMTK's
  // ASC_acceptContextsWithPreferredTransferSyntaxes compares every class with every context for
  // every syntax, millions of string comparisons for a peer's 128 contexts.
  // A context ID proposed twice is negotiated once, as its first proposal: DCMTK accepts and
  // refuses by ID, and leaves the result of a repeated proposal unset.
  OFCondition negotiate(T_ASC_Parameters& params) const;

 private:
  // Looked up with the proposal's own characters, no string made per context.
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
  };
  std::unordered_set<std::string, Hash, std::equal_to<>> classes_;
  std::vector<std::string> syntaxes_;
};

}  // namespace radloop::dicom::internal
