// What the DICOM services report as they run: one plain record per association step.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace radloop::dicom {

struct AssociationEvent {
  // context_rejected: one proposed presentation context was refused (reason names the abstract
  // syntax and the proposed transfer syntaxes); instance_conflict: an instance reused a stored
  // SOP Instance UID with other content; store_failed: a C-STORE was answered with a failure;
  // worklist_query: a worklist C-FIND was answered (reason names the keys and the matches, or why
  // it failed); storage_commitment: an N-ACTION was judged or its report delivered (reason names
  // the transaction, what was committed and failed, and where the report went); query: a Patient
  // or Study Root C-FIND was answered (level, keys, matches) or refused; mpps: an N-CREATE or N-SET
  // of a Modality Performed Procedure Step was applied (the status change, the order it names and
  // the performed series and instances) or refused (the status and why).
  enum class Kind {
    accepted,
    rejected,
    echo,
    released,
    aborted,
    context_rejected,
    instance_conflict,
    store_failed,
    worklist_query,
    storage_commitment,
    query,
    mpps
  };
  Kind kind = Kind::accepted;
  std::string calling_ae;
  std::string called_ae;
  std::string peer;    // "address" of the requestor, when known
  std::string reason;  // why it was rejected or aborted, in words
};

std::string_view to_string(AssociationEvent::Kind kind);

// Observers run on service threads and must be thread-safe; their exceptions are logged.
using EventObserver = std::function<void(const AssociationEvent&)>;

}  // namespace radloop::dicom
