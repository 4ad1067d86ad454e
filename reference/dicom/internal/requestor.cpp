// Requesting associations on DCMTK's ASC layer (see the header).
#include "reference/dicom/internal/requestor.hpp"

#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmnet/dcmtrans.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "reference/dicom/internal/dcmtk_runtime.hpp"

namespace radloop::dicom::internal {
namespace {

std::string reject_reason(T_ASC_Association* assoc) {
  T_ASC_RejectParameters rejection{};
  ASC_getRejectParameters(assoc->params, &rejection);
  OFString text;
  ASC_printRejectParameters(text, &rejection);
  return text.c_str();
}

const char* name_of(const char* uid) {
  const char* name = dcmFindNameOfUID(uid, nullptr);
  return name == nullptr ? uid : name;
}

// DcmTransportConnection keeps its descriptor protected; see server.cpp for the same reach.
struct SocketOf : DcmTransportConnection {
  static int get(T_ASC_Association* assoc) {
    DcmTransportConnection* connection = DUL_getTransportConnection(assoc->DULassociation);
    return connection == nullptr ? -1 : (connection->*(&SocketOf::getSocket))();
  }
};

}  // namespace

Result<std::unique_ptr<Requestor>> Requestor::open(const RequestorConfig& config,
                                                   const std::vector<ProposedContext>& contexts) {
  ensure_dcmtk_ready();
  const auto where =
      fmt::format("association {} -> {} at {}:{}", config.calling_ae, config.called_ae, config.host, config.port);
  std::unique_ptr<Requestor> r(new Requestor());
  auto cond = ASC_initializeNetwork(NET_REQUESTOR, 0, static_cast<int>(config.acse_timeout.count()), &r->network_);
  if (cond.bad()) return Error{Errc::connect_failed, where, describe(cond)};
  cond = ASC_createAssociationParameters(&r->params_, static_cast<long>(config.max_pdu_bytes));
  if (cond.bad()) return Error{Errc::internal, where, describe(cond)};
  ASC_setAPTitles(r->params_, config.calling_ae.c_str(), config.called_ae.c_str(), nullptr);
  const auto peer = fmt::format("{}:{}", config.host, config.port);
  ASC_setPresentationAddresses(r->params_, "localhost", peer.c_str());
  T_ASC_PresentationContextID id = 1;
  for (const auto& context : contexts) {
    std::vector<const char*> syntaxes;
    for (const auto& ts : context.transfer_syntaxes) syntaxes.push_back(ts.c_str());
    cond = ASC_addPresentationContext(r->params_, id, context.abstract_syntax.c_str(), syntaxes.data(),
                                      static_cast<int>(syntaxes.size()));
    if (cond.bad()) return Error{Errc::invalid_config, where, describe(cond)};
    id = static_cast<T_ASC_PresentationContextID>(id + 2);  // odd numbers only, PS3.8 9.3.2.2
  }
  cond = ASC_requestAssociation(r->network_, r->params_, &r->assoc_);
  if (cond == DUL_ASSOCIATIONREJECTED) return Error{Errc::dicom_association_rejected, where, reject_reason(r->assoc_)};
  if (cond.bad()) return Error{Errc::connect_failed, where, describe(cond)};
  r->established_ = true;
  // DCMTK sets TCP_NODELAY only when the environment asks for it (see dcmtk_runtime.cpp); set it
  // here too, as the server does on accept, so a user's TCP_NODELAY=0 cannot stall each message.
  if (const int fd = r->socket(); fd >= 0) {
    const int on = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  }
  if (ASC_countAcceptedPresentationContexts(r->params_) == 0) {
    auto refused = r->refused();
    std::string detail = "the peer accepted none of the proposed presentation contexts";
    for (const auto& line : refused) detail += "; " + line;
    return Error{Errc::dicom_no_presentation_context, where, detail};
  }
  return r;
}

Requestor::~Requestor() {
  if (assoc_ != nullptr) {
    if (established_) ASC_abortAssociation(assoc_);
    ASC_dropAssociation(assoc_);
    ASC_destroyAssociation(&assoc_);
  } else if (params_ != nullptr) {
    ASC_destroyAssociationParameters(&params_);
  }
  if (network_ != nullptr) ASC_dropNetwork(&network_);
}

T_ASC_PresentationContextID Requestor::accepted(const std::string& abstract_syntax,
                                                const std::string& transfer_syntax) const {
  const int count = ASC_countPresentationContexts(assoc_->params);
  for (int i = 0; i < count; ++i) {
    T_ASC_PresentationContext pc{};
    if (ASC_getPresentationContext(assoc_->params, i, &pc).bad() || pc.resultReason != ASC_P_ACCEPTANCE) continue;
    if (abstract_syntax != pc.abstractSyntax) continue;
    if (transfer_syntax.empty() || transfer_syntax == pc.acceptedTransferSyntax) return pc.presentationContextID;
  }
  return 0;
}

std::vector<std::pair<T_ASC_PresentationContextID, std::string>> Requestor::accepted_syntaxes(
    const std::string& abstract_syntax) const {
  std::vector<std::pair<T_ASC_PresentationContextID, std::string>> out;
  const int count = ASC_countPresentationContexts(assoc_->params);
  for (int i = 0; i < count; ++i) {
    T_ASC_PresentationContext pc{};
    if (ASC_getPresentationContext(assoc_->params, i, &pc).bad() || pc.resultReason != ASC_P_ACCEPTANCE) continue;
    if (abstract_syntax == pc.abstractSyntax) out.emplace_back(pc.presentationContextID, pc.acceptedTransferSyntax);
  }
  return out;
}

std::vector<std::string> Requestor::refused() const {
  std::vector<std::string> out;
  const int count = ASC_countPresentationContexts(assoc_->params);
  for (int i = 0; i < count; ++i) {
    T_ASC_PresentationContext pc{};
    if (ASC_getPresentationContext(assoc_->params, i, &pc).bad() || pc.resultReason == ASC_P_ACCEPTANCE) continue;
    std::string proposed;
    for (int t = 0; t < pc.transferSyntaxCount; ++t) {
      proposed += (t == 0 ? "" : ", ") + std::string(name_of(pc.proposedTransferSyntaxes[t]));
    }
    out.push_back(fmt::format("{} with {} refused ({})", name_of(pc.abstractSyntax), proposed,
                              pc.resultReason == ASC_P_TRANSFERSYNTAXESNOTSUPPORTED ? "transfer syntaxes not supported"
                              : pc.resultReason == ASC_P_ABSTRACTSYNTAXNOTSUPPORTED ? "abstract syntax not supported"
                                                                                    : "rejected"));
  }
  return out;
}

int Requestor::socket() const { return assoc_ == nullptr ? -1 : SocketOf::get(assoc_); }

void Requestor::release() {
  if (!established_) return;
  if (ASC_releaseAssociation(assoc_).good()) established_ = false;
}

void Requestor::abort() {
  if (!established_) return;
  ASC_abortAssociation(assoc_);
  established_ = false;
}

}  // namespace radloop::dicom::internal
