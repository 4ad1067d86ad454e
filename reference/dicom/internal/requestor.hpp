// An association we request, on DCMTK's ASC layer: open with the contexts to propose, learn which
// were accepted, release or abort; a rejection comes back with the peer's reason in words.
// Used by our C-ECHO user and by the modality simulator's C-STORE sender.
#pragma once

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmnet/assoc.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "reference/core/result.hpp"

namespace radloop::dicom::internal {

struct ProposedContext {
  std::string abstract_syntax;
  std::vector<std::string> transfer_syntaxes;  // in order of preference
};

struct RequestorConfig {
  std::string host = "127.0.0.1";
  std::uint16_t port = 104;
  std::string calling_ae;
  std::string called_ae;
  std::chrono::seconds acse_timeout{30};
  std::uint32_t max_pdu_bytes = ASC_DEFAULTMAXPDU;
};

class Requestor {
 public:
  // dicom_association_rejected carries the peer's reject reason; connect_failed, the socket's;
  // an association that accepted none of the contexts is dicom_no_presentation_context.
  static Result<std::unique_ptr<Requestor>> open(const RequestorConfig& config,
                                                 const std::vector<ProposedContext>& contexts);
  ~Requestor();
  Requestor(const Requestor&) = delete;
  Requestor& operator=(const Requestor&) = delete;

  [[nodiscard]] T_ASC_Association* association() const { return assoc_; }
  // The accepted context for the abstract syntax with that transfer syntax (any when empty); 0: none.
  [[nodiscard]] T_ASC_PresentationContextID accepted(const std::string& abstract_syntax,
                                                     const std::string& transfer_syntax = {}) const;
  // Every accepted context for the abstract syntax, with the transfer syntax the peer chose.
  [[nodiscard]] std::vector<std::pair<T_ASC_PresentationContextID, std::string>> accepted_syntaxes(
      const std::string& abstract_syntax) const;
  // One sentence per proposed context the peer refused.
  [[nodiscard]] std::vector<std::string> refused() const;
  [[nodiscard]] std::uint16_t next_message_id() { return assoc_->nextMsgID++; }
  // The socket under the association (for tests and fault injection that cut it).
  [[nodiscard]] int socket() const;

  void release();
  void abort();

 private:
  Requestor() = default;
  T_ASC_Network* network_ = nullptr;
  T_ASC_Parameters* params_ = nullptr;  // owned by assoc_ once the request is made
  T_ASC_Association* assoc_ = nullptr;
  bool established_ = false;
};

}  // namespace radloop::dicom::internal
