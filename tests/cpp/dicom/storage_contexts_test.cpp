#include "reference/dicom/internal/storage_contexts.hpp"

#include <dcmtk/dcmdata/dcuid.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace radloop::dicom::internal {
namespace {

constexpr const char* kExplicit = UID_LittleEndianExplicitTransferSyntax;
constexpr const char* kImplicit = UID_LittleEndianImplicitTransferSyntax;
constexpr const char* kJpegLs = UID_JPEGLSLosslessTransferSyntax;

// An association request's proposed contexts after the shared profile refused them all, as it
// does for every class it does not list.
class Proposal {
 public:
  Proposal() {
    T_ASC_Parameters* raw = nullptr;
    EXPECT_TRUE(ASC_createAssociationParameters(&raw, ASC_DEFAULTMAXPDU).good());
    params_.reset(raw);
  }

  void add(unsigned char id, const char* sop_class, std::vector<const char*> syntaxes) {
    ASSERT_TRUE(ASC_addPresentationContext(params_.get(), id, sop_class, syntaxes.data(),
                                           static_cast<unsigned>(syntaxes.size()))
                    .good());
    ASSERT_TRUE(ASC_refusePresentationContext(params_.get(), id, ASC_P_ABSTRACTSYNTAXNOTSUPPORTED).good());
  }

  void accept(unsigned char id, const char* syntax) {
    ASSERT_TRUE(ASC_acceptPresentationContext(params_.get(), id, syntax).good());
  }

  T_ASC_Parameters& params() { return *params_; }

  // The context as negotiated: its result and accepted transfer syntax.
  T_ASC_PresentationContext context(unsigned char id) {
    const int count = ASC_countPresentationContexts(params_.get());
    for (int i = 0; i < count; ++i) {
      T_ASC_PresentationContext pc{};
      EXPECT_TRUE(ASC_getPresentationContext(params_.get(), i, &pc).good());
      if (pc.presentationContextID == id) return pc;
    }
    ADD_FAILURE() << "no context " << int{id};
    return {};
  }

 private:
  struct Destroy {
    void operator()(T_ASC_Parameters* p) const { ASC_destroyAssociationParameters(&p); }
  };
  std::unique_ptr<T_ASC_Parameters, Destroy> params_;
};

TEST(StorageContexts, AcceptsWithOurMostPreferredSyntaxWhateverThePeersOrder) {
  const StorageContexts contexts({}, {kExplicit, kImplicit});
  Proposal proposal;
  proposal.add(1, UID_CTImageStorage, {kImplicit, kExplicit});
  proposal.add(3, UID_MRImageStorage, {kImplicit});
  ASSERT_TRUE(contexts.negotiate(proposal.params()).good());
  EXPECT_EQ(proposal.context(1).resultReason, ASC_P_ACCEPTANCE);
  EXPECT_STREQ(proposal.context(1).acceptedTransferSyntax, kExplicit);
  EXPECT_EQ(proposal.context(3).resultReason, ASC_P_ACCEPTANCE);
  EXPECT_STREQ(proposal.context(3).acceptedTransferSyntax, kImplicit);
}

TEST(StorageContexts, RefusesAStorageClassProposedOnlyWithSyntaxesWeDoNotTake) {
  const StorageContexts contexts({}, {kExplicit, kImplicit});
  Proposal proposal;
  proposal.add(1, UID_CTImageStorage, {kJpegLs});
  ASSERT_TRUE(contexts.negotiate(proposal.params()).good());
  EXPECT_EQ(proposal.context(1).resultReason, ASC_P_TRANSFERSYNTAXESNOTSUPPORTED);
}

TEST(StorageContexts, TakesOnlyTheConfiguredClassesAndLeavesOtherContextsAsTheProfileDecided) {
  const StorageContexts contexts({UID_CTImageStorage}, {kExplicit});
  Proposal proposal;
  proposal.add(1, UID_CTImageStorage, {kExplicit});
  proposal.add(3, UID_MRImageStorage, {kExplicit});
  proposal.add(5, UID_VerificationSOPClass, {kImplicit});
  proposal.accept(5, kImplicit);  // the shared profile takes Verification
  proposal.add(7, "1.2.3.4.5.6", {kExplicit});
  ASSERT_TRUE(contexts.negotiate(proposal.params()).good());
  EXPECT_EQ(proposal.context(1).resultReason, ASC_P_ACCEPTANCE);
  EXPECT_EQ(proposal.context(3).resultReason, ASC_P_ABSTRACTSYNTAXNOTSUPPORTED);
  EXPECT_EQ(proposal.context(5).resultReason, ASC_P_ACCEPTANCE);
  EXPECT_STREQ(proposal.context(5).acceptedTransferSyntax, kImplicit);
  EXPECT_EQ(proposal.context(7).resultReason, ASC_P_ABSTRACTSYNTAXNOTSUPPORTED);
}

TEST(StorageContexts, AContextTheProfileAcceptedIsNotRefusedForItsSyntaxes) {
  const StorageContexts contexts({UID_CTImageStorage}, {kExplicit});
  Proposal proposal;
  proposal.add(1, UID_CTImageStorage, {kImplicit});
  proposal.accept(1, kImplicit);
  ASSERT_TRUE(contexts.negotiate(proposal.params()).good());
  EXPECT_EQ(proposal.context(1).resultReason, ASC_P_ACCEPTANCE);
  EXPECT_STREQ(proposal.context(1).acceptedTransferSyntax, kImplicit);
}

TEST(StorageContexts, NegotiatesAFullProposalOfEveryStorageClass) {
  const StorageContexts contexts({}, {kExplicit, kImplicit});
  Proposal proposal;
  for (unsigned char id = 1, n = 0; n < 128 && n < numberOfDcmAllStorageSOPClassUIDs; id += 2, ++n) {
    proposal.add(id, dcmAllStorageSOPClassUIDs[n], {kJpegLs, kImplicit});
  }
  ASSERT_TRUE(contexts.negotiate(proposal.params()).good());
  for (unsigned char id = 1, n = 0; n < 128 && n < numberOfDcmAllStorageSOPClassUIDs; id += 2, ++n) {
    EXPECT_EQ(proposal.context(id).resultReason, ASC_P_ACCEPTANCE) << dcmAllStorageSOPClassUIDs[n];
  }
}

}  // namespace
}  // namespace radloop::dicom::internal
