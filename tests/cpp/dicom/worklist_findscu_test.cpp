// The worklist C-FIND service against DCMTK's findscu: queries written with dump2dcm, the replies
// extracted to files and read back, so the exact items and keys returned are checked.
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcsequen.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmnet/assoc.h>
#include <dcmtk/dcmnet/dimse.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <set>

#include "reference/dicom/server.hpp"
#include "tests/cpp/dicom/store_fixture.hpp"
#include "tests/cpp/dicom/temp_dir.hpp"

extern char** environ;  // NOLINT: POSIX

namespace radloop::dicom {
namespace {

namespace fs = std::filesystem;
using test_support::read_text;
using test_support::run_tool;

// Each test's scratch directory carries this file's prefix.
struct TempDir : test_support::TempDir {
  TempDir() : test_support::TempDir("radloop-mwl") {}
};

WorklistItem order(std::string accession, std::string name, std::string modality, std::string station, std::string date,
                   std::string time) {
  WorklistItem item;
  item.patient_id = "MRN-" + accession;
  item.issuer_of_patient_id = "GENERAL";
  item.patient_name = std::move(name);
  item.patient_birth_date = "19800101";
  item.patient_sex = "F";
  item.accession_number = std::move(accession);
  item.requested_procedure_id = "RP-" + item.accession_number;
  item.requested_procedure_description = "Chest";
  item.requested_procedure_code = {"CHEST1", "99LOCAL", "Chest imaging"};
  item.study_instance_uid = "1.2.826.0.1.3680043.9.7433.1." + std::to_string(item.accession_number.size());
  item.referring_physician = "HOUSE^GREGORY";
  item.step = {std::move(station), std::move(modality), std::move(date), std::move(time), "SPS-1",
               "Chest scan",       "WILSON^JAMES",      "STATION1",      "ROOM 1"};
  return item;
}

struct Reply {
  std::unique_ptr<DcmFileFormat> file;
  DcmDataset& data() const { return *file->getDataset(); }
  std::string get(const DcmTagKey& tag) const {
    OFString value;
    data().findAndGetOFStringArray(tag, value);
    return value.c_str();
  }
  std::string step(const DcmTagKey& tag) const {
    DcmItem* item = nullptr;
    if (data().findAndGetSequenceItem(DCM_ScheduledProcedureStepSequence, item, 0).bad()) return "<no item>";
    OFString value;
    item->findAndGetOFStringArray(tag, value);
    return value.c_str();
  }
  std::set<std::string> top_level_tags() const {
    std::set<std::string> tags;
    for (unsigned long i = 0; i < data().card(); ++i) tags.insert(data().getElement(i)->getTag().toString().c_str());
    return tags;
  }
};

class WorklistFindscu : public ::testing::Test {
 protected:
  void SetUp() override {
    source_ = std::make_shared<InMemoryOrderSource>();
    source_->add(order("ACC001", "DOE^JANE", "CT", "CT_SCANNER_1", "20260301", "090000"));
    source_->add(order("ACC002", "DOE^JOHN", "MR", "MR_1", "20260302", "103000"));
    source_->add(order("ACC003", "M\xC3\xBCLLER^HANS", "CT", "CT_SCANNER_1", "20260305", "140000"));
    ServerConfig config;
    config.order_source = source_;
    auto started = Server::start(config, [this](const AssociationEvent& e) {
      std::lock_guard lock(mutex_);
      events_.push_back(e);
    });
    ASSERT_TRUE(started.ok()) << started.error().message();
    server_ = std::move(started).value();
  }

  // Writes the dump as a query file, runs findscu -W, and returns the replies in order.
  std::vector<Reply> query(const std::string& dump, int expected_exit = 0) {
    const auto dir = temp_.path / ("q" + std::to_string(++queries_));
    fs::create_directories(dir / "out");
    std::ofstream(dir / "query.dump") << dump;
    const auto log = dir / "log.txt";
    EXPECT_EQ(run_tool({"dump2dcm", (dir / "query.dump").string(), (dir / "query.dcm").string()}, log), 0)
        << read_text(log);
    EXPECT_EQ(
        run_tool({"findscu", "-W", "-aet", "MODALITY1", "-aec", "RADLOOP", "127.0.0.1", std::to_string(server_->port()),
                  (dir / "query.dcm").string(), "-X", "--output-directory", (dir / "out").string()},
                 log),
        expected_exit)
        << read_text(log);
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(dir / "out")) files.push_back(e.path());
    std::sort(files.begin(), files.end());  // rsp0001.dcm, rsp0002.dcm, ... in the order sent
    std::vector<Reply> replies;
    for (const auto& f : files) {
      Reply reply{std::make_unique<DcmFileFormat>()};
      EXPECT_TRUE(reply.file->loadFile(f.c_str()).good()) << f;
      replies.push_back(std::move(reply));
    }
    return replies;
  }

  static std::vector<std::string> accessions(const std::vector<Reply>& replies) {
    std::vector<std::string> out;
    for (const auto& r : replies) out.push_back(r.get(DCM_AccessionNumber));
    return out;
  }

  std::vector<AssociationEvent> worklist_events() {
    server_->stop();
    std::lock_guard lock(mutex_);
    std::vector<AssociationEvent> out;
    std::copy_if(events_.begin(), events_.end(), std::back_inserter(out),
                 [](const auto& e) { return e.kind == AssociationEvent::Kind::worklist_query; });
    return out;
  }

  TempDir temp_;
  int queries_ = 0;
  std::shared_ptr<InMemoryOrderSource> source_;
  std::unique_ptr<Server> server_;
  std::mutex mutex_;
  std::vector<AssociationEvent> events_;
};

// Asks for the accession number, patient name and the step's modality, AE title, date and time.
std::string step_query(const std::string& name, const std::string& modality, const std::string& date) {
  return "(0008,0050) SH []\n"
         "(0010,0010) PN [" +
         name +
         "]\n"
         "(0040,0100) SQ (Sequence with explicit length #=1)\n"
         "(fffe,e000) na (Item with explicit length #=4)\n"
         "(0008,0060) CS [" +
         modality +
         "]\n"
         "(0040,0001) AE []\n"
         "(0040,0002) DA [" +
         date +
         "]\n"
         "(0040,0003) TM []\n"
         "(fffe,e00d) na (ItemDelimitationItem for re-encoding)\n"
         "(fffe,e0dd) na (SequenceDelimitationItem for re-encoding)\n";
}

TEST_F(WorklistFindscu, QueryByModalityReturnsOnlyThatModality) {
  const auto replies = query(step_query("", "CT", ""));
  EXPECT_EQ(accessions(replies), (std::vector<std::string>{"ACC001", "ACC003"}));
  ASSERT_EQ(replies.size(), 2U);
  EXPECT_EQ(replies[0].get(DCM_PatientName), "DOE^JANE");
  EXPECT_EQ(replies[0].step(DCM_Modality), "CT");
  EXPECT_EQ(replies[0].step(DCM_ScheduledStationAETitle), "CT_SCANNER_1");
  EXPECT_EQ(replies[0].step(DCM_ScheduledProcedureStepStartDate), "20260301");
  EXPECT_EQ(replies[0].step(DCM_ScheduledProcedureStepStartTime), "090000");
  // Only the keys asked for; Specific Character Set only where a value is not ASCII.
  EXPECT_EQ(replies[0].top_level_tags(), (std::set<std::string>{"(0008,0050)", "(0010,0010)", "(0040,0100)"}));
  EXPECT_EQ(replies[1].get(DCM_PatientName), "M\xC3\xBCLLER^HANS");
  EXPECT_EQ(replies[1].get(DCM_SpecificCharacterSet), "ISO_IR 192");
  const auto events = worklist_events();
  ASSERT_EQ(events.size(), 1U);
  EXPECT_EQ(events[0].reason, "keys Modality=CT: 2 matches");
  EXPECT_EQ(server_->stats().worklist_queries, 1U);
  EXPECT_EQ(server_->stats().worklist_matches, 2U);
}

TEST_F(WorklistFindscu, QueryByDateRangeReturnsTheStepsInIt) {
  EXPECT_EQ(accessions(query(step_query("", "", "20260301-20260302"))), (std::vector<std::string>{"ACC001", "ACC002"}));
  EXPECT_EQ(accessions(query(step_query("", "", "20260302-"))), (std::vector<std::string>{"ACC002", "ACC003"}));
  EXPECT_EQ(accessions(query(step_query("", "", "-20260301"))), (std::vector<std::string>{"ACC001"}));
}

TEST_F(WorklistFindscu, QueryByPatientNameWildcardIsCaseSensitive) {
  EXPECT_EQ(accessions(query(step_query("DOE*", "", ""))), (std::vector<std::string>{"ACC001", "ACC002"}));
  EXPECT_EQ(accessions(query(step_query("DOE^J?HN", "", ""))), (std::vector<std::string>{"ACC002"}));
  EXPECT_TRUE(query(step_query("doe*", "", "")).empty());
  const auto events = worklist_events();
  ASSERT_EQ(events.size(), 3U);
  EXPECT_EQ(events[0].reason, "keys PatientName=DOE*: 2 matches");
  EXPECT_EQ(events[2].reason, "keys PatientName=doe*: 0 matches");
}

TEST_F(WorklistFindscu, UniversalQueryReturnsEveryOrderWithTheKeysAskedFor) {
  const std::string dump =
      "(0008,0005) CS []\n"
      "(0008,0050) SH []\n"
      "(0008,0090) PN []\n"
      "(0008,1110) SQ (Sequence with explicit length #=0)\n"
      "(fffe,e0dd) na (SequenceDelimitationItem for re-encoding)\n"
      "(0008,1120) SQ (Sequence with explicit length #=0)\n"
      "(fffe,e0dd) na (SequenceDelimitationItem for re-encoding)\n"
      "(0010,0010) PN []\n"
      "(0010,0020) LO []\n"
      "(0010,0021) LO []\n"
      "(0010,2160) SH []\n"
      "(0020,000d) UI []\n"
      "(0032,1060) LO []\n"
      "(0032,1064) SQ (Sequence with explicit length #=0)\n"
      "(fffe,e0dd) na (SequenceDelimitationItem for re-encoding)\n"
      "(0040,0100) SQ (Sequence with explicit length #=0)\n"
      "(fffe,e0dd) na (SequenceDelimitationItem for re-encoding)\n"
      "(0040,1001) SH []\n";
  const auto replies = query(dump);
  EXPECT_EQ(accessions(replies), (std::vector<std::string>{"ACC001", "ACC002", "ACC003"}));
  ASSERT_EQ(replies.size(), 3U);
  const auto& r = replies[1];
  EXPECT_EQ(r.top_level_tags(),
            (std::set<std::string>{"(0008,0005)", "(0008,0050)", "(0008,0090)", "(0008,1110)", "(0008,1120)",
                                   "(0010,0010)", "(0010,0020)", "(0010,0021)", "(0010,2160)", "(0020,000d)",
                                   "(0032,1060)", "(0032,1064)", "(0040,0100)", "(0040,1001)"}));
  EXPECT_EQ(r.get(DCM_SpecificCharacterSet), "");
  EXPECT_EQ(replies[2].get(DCM_SpecificCharacterSet), "ISO_IR 192");
  EXPECT_EQ(r.get(DCM_PatientID), "MRN-ACC002");
  EXPECT_EQ(r.get(DCM_IssuerOfPatientID), "GENERAL");
  EXPECT_EQ(r.get(DCM_ReferringPhysicianName), "HOUSE^GREGORY");
  EXPECT_EQ(r.get(DCM_RequestedProcedureID), "RP-ACC002");
  EXPECT_EQ(r.get(DCM_RequestedProcedureDescription), "Chest");
  EXPECT_EQ(r.get(DCM_EthnicGroup), "");  // a key the worklist does not know comes back empty
  DcmItem* code = nullptr;
  ASSERT_TRUE(r.data().findAndGetSequenceItem(DCM_RequestedProcedureCodeSequence, code, 0).good());
  OFString value;
  code->findAndGetOFString(DCM_CodeValue, value);
  EXPECT_EQ(value, "CHEST1");
  code->findAndGetOFString(DCM_CodingSchemeDesignator, value);
  EXPECT_EQ(value, "99LOCAL");
  EXPECT_EQ(r.step(DCM_Modality), "MR");
  EXPECT_EQ(r.step(DCM_ScheduledProcedureStepID), "SPS-1");
  EXPECT_EQ(r.step(DCM_ScheduledPerformingPhysicianName), "WILSON^JAMES");
  EXPECT_EQ(r.step(DCM_ScheduledProcedureStepLocation), "ROOM 1");
  DcmSequenceOfItems* references = nullptr;
  ASSERT_TRUE(r.data().findAndGetSequence(DCM_ReferencedStudySequence, references).good());
  EXPECT_EQ(references->card(), 0U);
  const auto events = worklist_events();
  ASSERT_EQ(events.size(), 1U);
  EXPECT_EQ(events[0].reason, "keys none (universal): 3 matches");
}

TEST_F(WorklistFindscu, MalformedDateRangeIsRefusedAndTheServerCarriesOn) {
  EXPECT_TRUE(query(step_query("", "", "20260301-20260302-20260303")).empty());
  EXPECT_EQ(accessions(query(step_query("", "MR", ""))), (std::vector<std::string>{"ACC002"}));
  const auto events = worklist_events();
  ASSERT_EQ(events.size(), 2U);
  EXPECT_NE(events[0].reason.find("refused with 0xa900"), std::string::npos) << events[0].reason;
  EXPECT_EQ(server_->stats().worklist_queries, 2U);
}

TEST_F(WorklistFindscu, Utf8QueryMatchesUtf8NamesAndOtherRepertoiresAreRefused) {
  const auto replies = query("(0008,0005) CS [ISO_IR 192]\n(0008,0050) SH []\n(0010,0010) PN [M\xC3\xBC*]\n");
  EXPECT_EQ(accessions(replies), (std::vector<std::string>{"ACC003"}));
  ASSERT_EQ(replies.size(), 1U);
  EXPECT_EQ(replies[0].get(DCM_SpecificCharacterSet), "ISO_IR 192");
  EXPECT_TRUE(query("(0008,0005) CS [ISO_IR 100]\n(0008,0050) SH []\n(0010,0010) PN [M\xFC*]\n").empty());
  const auto events = worklist_events();
  ASSERT_EQ(events.size(), 2U);
  EXPECT_EQ(events[0].reason, "keys PatientName=M\xC3\xBC*: 1 match");
  EXPECT_NE(events[1].reason.find("refused with 0xc000: Specific Character Set \"ISO_IR 100\""), std::string::npos)
      << events[1].reason;
}

// Hands out its orders only once the test opens the gate: the C-CANCEL is then already waiting
// on the association when the service starts answering.
struct GatedOrderSource : OrderSource {
  InMemoryOrderSource orders;
  mutable std::mutex mutex;
  mutable std::condition_variable changed;
  bool open = false;
  std::vector<WorklistItem> worklist() const override {
    std::unique_lock lock(mutex);
    changed.wait(lock, [this] { return open; });
    return orders.worklist();
  }
  void let_through() {
    std::lock_guard lock(mutex);
    open = true;
    changed.notify_all();
  }
};

// Sends a universal worklist C-FIND and its C-CANCEL before reading anything, then calls
// `after_cancel` and collects the statuses of every response up to the final one.
std::vector<Uint16> find_then_cancel(std::uint16_t port, const std::function<void()>& after_cancel) {
  std::vector<Uint16> statuses;
  T_ASC_Network* network = nullptr;
  T_ASC_Parameters* params = nullptr;
  T_ASC_Association* assoc = nullptr;
  EXPECT_TRUE(ASC_initializeNetwork(NET_REQUESTOR, 0, 30, &network).good());
  EXPECT_TRUE(ASC_createAssociationParameters(&params, ASC_DEFAULTMAXPDU).good());
  ASC_setAPTitles(params, "MODALITY1", "RADLOOP", nullptr);
  ASC_setPresentationAddresses(params, "localhost", ("127.0.0.1:" + std::to_string(port)).c_str());
  const char* syntaxes[] = {UID_LittleEndianExplicitTransferSyntax};
  ASC_addPresentationContext(params, 1, UID_FINDModalityWorklistInformationModel, syntaxes, 1);
  if (ASC_requestAssociation(network, params, &assoc).good()) {
    T_DIMSE_Message request{};
    request.CommandField = DIMSE_C_FIND_RQ;
    request.msg.CFindRQ.MessageID = 7;
    OFStandard::strlcpy(request.msg.CFindRQ.AffectedSOPClassUID, UID_FINDModalityWorklistInformationModel,
                        sizeof request.msg.CFindRQ.AffectedSOPClassUID);
    request.msg.CFindRQ.DataSetType = DIMSE_DATASET_PRESENT;
    request.msg.CFindRQ.Priority = DIMSE_PRIORITY_MEDIUM;
    DcmDataset identifier;
    identifier.putAndInsertString(DCM_AccessionNumber, "");
    EXPECT_TRUE(DIMSE_sendMessageUsingMemoryData(assoc, 1, &request, nullptr, &identifier, nullptr, nullptr).good());
    EXPECT_TRUE(DIMSE_sendCancelRequest(assoc, 1, 7).good());
    after_cancel();
    while (true) {
      T_DIMSE_Message response{};
      T_ASC_PresentationContextID context = 0;
      DcmDataset* detail = nullptr;
      if (DIMSE_receiveCommand(assoc, DIMSE_BLOCKING, 0, &context, &response, &detail).bad()) break;
      delete detail;  // NOLINT(cppcoreguidelines-owning-memory): DCMTK hands it over
      statuses.push_back(response.msg.CFindRSP.DimseStatus);
      if (response.msg.CFindRSP.DataSetType != DIMSE_DATASET_NULL) {
        DcmDataset* reply = nullptr;
        DIMSE_receiveDataSetInMemory(assoc, DIMSE_BLOCKING, 0, &context, &reply, nullptr, nullptr);
        delete reply;  // NOLINT(cppcoreguidelines-owning-memory): DCMTK hands it over
      }
      if (response.msg.CFindRSP.DimseStatus != 0xFF00) break;
    }
    ASC_releaseAssociation(assoc);
  }
  ASC_destroyAssociation(&assoc);
  ASC_dropNetwork(&network);
  return statuses;
}

TEST(WorklistService, CancelEndsTheQueryWithStatusFE00) {
  auto source = std::make_shared<GatedOrderSource>();
  source->orders.add(order("ACC001", "DOE^JANE", "CT", "CT_SCANNER_1", "20260301", "090000"));
  source->orders.add(order("ACC002", "DOE^JOHN", "MR", "MR_1", "20260302", "103000"));
  std::mutex mutex;
  std::vector<std::string> reasons;
  ServerConfig config;
  config.order_source = source;
  auto server = Server::start(config, [&](const AssociationEvent& e) {
    std::lock_guard lock(mutex);
    if (e.kind == AssociationEvent::Kind::worklist_query) reasons.push_back(e.reason);
  });
  ASSERT_TRUE(server.ok()) << server.error().message();
  const auto statuses = find_then_cancel((*server)->port(), [&] { source->let_through(); });
  EXPECT_EQ(statuses, std::vector<Uint16>{0xFE00});
  (*server)->stop();
  EXPECT_EQ(reasons, std::vector<std::string>{"keys none (universal): 0 matches, cancelled by the peer"});
  EXPECT_EQ((*server)->stats().worklist_matches, 0U);
}

TEST(WorklistService, IsNotOfferedWithoutAnOrderSource) {
  TempDir temp;
  auto server = Server::start(ServerConfig{});
  ASSERT_TRUE(server.ok());
  std::ofstream(temp.path / "query.dump") << "(0008,0050) SH []\n";
  const auto log = temp.path / "log.txt";
  ASSERT_EQ(run_tool({"dump2dcm", (temp.path / "query.dump").string(), (temp.path / "query.dcm").string()}, log), 0);
  EXPECT_NE(run_tool({"findscu", "-W", "-aec", "RADLOOP", "127.0.0.1", std::to_string((*server)->port()),
                      (temp.path / "query.dcm").string()},
                     log),
            0);
  EXPECT_NE(read_text(log).find("Association Rejected"), std::string::npos) << read_text(log);
}

}  // namespace
}  // namespace radloop::dicom
