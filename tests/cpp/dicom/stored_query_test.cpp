// Patient Root and Study Root C-FIND over what was stored, asked by DCMTK's findscu: instances go
// in with C-STORE, queries at each level come back as files and are read back.
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <set>

#include "reference/dicom/internal/stored_query.hpp"
#include "reference/dicom/server.hpp"
#include "tests/cpp/dicom/store_fixture.hpp"
#include "tests/cpp/dicom/temp_dir.hpp"

namespace radloop::dicom {
namespace {

namespace fs = std::filesystem;
using namespace test_support;  // NOLINT(google-build-using-namespace): the suite's own helpers

struct TempDir : test_support::TempDir {
  TempDir() : test_support::TempDir("radloop-query") {}
};

using Reply = std::unique_ptr<DcmFileFormat>;

std::string get(const Reply& reply, const DcmTagKey& tag) {
  OFString value;
  reply->getDataset()->findAndGetOFStringArray(tag, value);
  return value.c_str();
}

// Two patients: DOE^JANE with one CT study in two series (1 + 2 instances), ROE^RICHARD with one
// MR study of one instance.
class StoredQuery : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = start_server(recorder_, storing_into(storage_.path));
    Instance first;
    first.study_uid = "1.2.826.0.1.3680043.9.7433.1.1";
    first.series_uid = "1.2.826.0.1.3680043.9.7433.1.1.1";
    first.accession = "ACC100";
    first.study_date = "20260310";
    jane_ = {store(first)};
    Instance second = first;
    second.series_uid = "1.2.826.0.1.3680043.9.7433.1.1.2";
    second.series_number = "2";
    second.sop_uid = new_uid();
    jane_.push_back(store(second));
    second.sop_uid = new_uid();
    second.instance_number = "2";
    jane_.push_back(store(second));
    Instance other;
    other.study_uid = "1.2.826.0.1.3680043.9.7433.2.1";
    other.patient_id = "MRN777";
    other.patient_name = "ROE^RICHARD";
    other.accession = "ACC200";
    other.modality = "MR";
    other.study_date = "20260420";
    richard_ = store(other);
  }

  Instance store(Instance instance) {
    auto written = make_instance(work_.path, std::move(instance));
    EXPECT_EQ(send(server_->port(), written.path).status, 0);
    return written;
  }

  // Runs findscu with -S (study root) or -P (patient root) and the -k keys; returns the replies.
  std::vector<Reply> find(const std::string& model, std::vector<std::string> keys) {
    const auto dir = work_.path / ("q" + std::to_string(++queries_));
    fs::create_directories(dir);
    std::vector<std::string> args{"findscu",   model, "-aet", "TESTER", "-aec", "RADLOOP", "-X", "--output-directory",
                                  dir.string()};
    for (auto& k : keys) {
      args.emplace_back("-k");
      args.push_back(std::move(k));
    }
    args.emplace_back("127.0.0.1");
    args.push_back(std::to_string(server_->port()));
    const auto log = work_.path / ("q" + std::to_string(queries_) + ".log");
    EXPECT_EQ(run_tool(args, log), 0) << read_text(log);
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(dir)) files.push_back(e.path());
    std::sort(files.begin(), files.end());
    std::vector<Reply> replies;
    for (const auto& f : files) {
      auto reply = std::make_unique<DcmFileFormat>();
      EXPECT_TRUE(reply->loadFile(f.c_str()).good()) << f;
      replies.push_back(std::move(reply));
    }
    return replies;
  }

  std::vector<AssociationEvent> query_events() {
    server_->stop();
    return recorder_.of(AssociationEvent::Kind::query);
  }

  TempDir storage_, work_;
  Recorder recorder_;
  std::unique_ptr<Server> server_;
  std::vector<Instance> jane_;
  Instance richard_;
  int queries_ = 0;
};

TEST_F(StoredQuery, StudyLevelByPatientIdReturnsTheStudyWithItsCounts) {
  const auto replies = find("-S", {"QueryRetrieveLevel=STUDY", "PatientID=MRN12345", "StudyInstanceUID",
                                   "AccessionNumber", "ModalitiesInStudy", "NumberOfStudyRelatedSeries",
                                   "NumberOfStudyRelatedInstances", "PatientName", "RetrieveAETitle"});
  ASSERT_EQ(replies.size(), 1U);
  EXPECT_EQ(get(replies[0], DCM_QueryRetrieveLevel), "STUDY");
  EXPECT_EQ(get(replies[0], DCM_StudyInstanceUID), jane_[0].study_uid);
  EXPECT_EQ(get(replies[0], DCM_AccessionNumber), "ACC100");
  EXPECT_EQ(get(replies[0], DCM_ModalitiesInStudy), "CT");
  EXPECT_EQ(get(replies[0], DCM_NumberOfStudyRelatedSeries), "2");
  EXPECT_EQ(get(replies[0], DCM_NumberOfStudyRelatedInstances), "3");
  EXPECT_EQ(get(replies[0], DCM_PatientName), "DOE^JANE");
  EXPECT_EQ(get(replies[0], DCM_RetrieveAETitle), "RADLOOP");
  const auto events = query_events();
  ASSERT_EQ(events.size(), 1U);
  EXPECT_NE(events[0].reason.find("STUDY level, keys PatientID=MRN12345: 1 match"), std::string::npos)
      << events[0].reason;
}

TEST_F(StoredQuery, StudyLevelMatchesDateRangesWildcardsAndModalities) {
  auto uids = [](const std::vector<Reply>& replies) {
    std::set<std::string> out;
    for (const auto& r : replies) out.insert(get(r, DCM_StudyInstanceUID));
    return out;
  };
  const std::set<std::string> jane{jane_[0].study_uid};
  const std::set<std::string> richard{richard_.study_uid};
  EXPECT_EQ(uids(find("-S", {"QueryRetrieveLevel=STUDY", "StudyDate=20260301-20260331", "StudyInstanceUID"})), jane);
  EXPECT_EQ(uids(find("-S", {"QueryRetrieveLevel=STUDY", "StudyDate=20260401-", "StudyInstanceUID"})), richard);
  EXPECT_EQ(uids(find("-S", {"QueryRetrieveLevel=STUDY", "PatientName=ROE*", "StudyInstanceUID"})), richard);
  EXPECT_EQ(uids(find("-S", {"QueryRetrieveLevel=STUDY", "PatientName=roe*", "StudyInstanceUID"})),
            std::set<std::string>{});
  EXPECT_EQ(uids(find("-S", {"QueryRetrieveLevel=STUDY", "ModalitiesInStudy=MR", "StudyInstanceUID"})), richard);
  EXPECT_EQ(uids(find("-S", {"QueryRetrieveLevel=STUDY", "AccessionNumber=ACC1?0", "StudyInstanceUID"})), jane);
  EXPECT_EQ(uids(find("-S", {"QueryRetrieveLevel=STUDY",
                             "StudyInstanceUID=" + jane_[0].study_uid + "\\" + richard_.study_uid})),
            (std::set<std::string>{jane_[0].study_uid, richard_.study_uid}));
  EXPECT_EQ(find("-S", {"QueryRetrieveLevel=STUDY", "StudyInstanceUID"}).size(), 2U);  // universal
}

TEST_F(StoredQuery, SeriesAndImageLevelsListWhatLanded) {
  const auto series = find("-S", {"QueryRetrieveLevel=SERIES", "StudyInstanceUID=" + jane_[0].study_uid,
                                  "SeriesInstanceUID", "SeriesNumber", "Modality", "NumberOfSeriesRelatedInstances"});
  ASSERT_EQ(series.size(), 2U);
  EXPECT_EQ(get(series[0], DCM_SeriesInstanceUID), jane_[0].series_uid);
  EXPECT_EQ(get(series[0], DCM_NumberOfSeriesRelatedInstances), "1");
  EXPECT_EQ(get(series[1], DCM_SeriesInstanceUID), jane_[1].series_uid);
  EXPECT_EQ(get(series[1], DCM_SeriesNumber), "2");
  EXPECT_EQ(get(series[1], DCM_Modality), "CT");
  EXPECT_EQ(get(series[1], DCM_NumberOfSeriesRelatedInstances), "2");

  const auto images =
      find("-S", {"QueryRetrieveLevel=IMAGE", "StudyInstanceUID=" + jane_[0].study_uid,
                  "SeriesInstanceUID=" + jane_[1].series_uid, "SOPInstanceUID", "SOPClassUID", "InstanceNumber"});
  std::set<std::string> sops;
  for (const auto& r : images) sops.insert(get(r, DCM_SOPInstanceUID));
  EXPECT_EQ(sops, (std::set<std::string>{jane_[1].sop_uid, jane_[2].sop_uid}));
  ASSERT_FALSE(images.empty());
  EXPECT_EQ(get(images[0], DCM_SOPClassUID), UID_CTImageStorage);
}

TEST_F(StoredQuery, PatientRootAnswersAtThePatientLevel) {
  const auto replies = find("-P", {"QueryRetrieveLevel=PATIENT", "PatientID", "PatientName",
                                   "NumberOfPatientRelatedStudies", "NumberOfPatientRelatedInstances"});
  ASSERT_EQ(replies.size(), 2U);
  std::map<std::string, std::string> instances;
  for (const auto& r : replies) instances[get(r, DCM_PatientID)] = get(r, DCM_NumberOfPatientRelatedInstances);
  EXPECT_EQ(instances, (std::map<std::string, std::string>{{"MRN12345", "3"}, {"MRN777", "1"}}));
}

// Keys the archive does not index are returned empty and do not narrow the match.
TEST_F(StoredQuery, ReturnsUnknownKeysEmpty) {
  const auto replies =
      find("-S", {"QueryRetrieveLevel=STUDY", "PatientID=MRN777", "PatientAge", "InstitutionName=NOWHERE"});
  ASSERT_EQ(replies.size(), 1U);
  EXPECT_TRUE(replies[0]->getDataset()->tagExists(DCM_InstitutionName));
  EXPECT_EQ(get(replies[0], DCM_InstitutionName), "");
}

TEST_F(StoredQuery, RefusesALevelTheModelDoesNotHaveAndMalformedRanges) {
  EXPECT_TRUE(find("-S", {"QueryRetrieveLevel=PATIENT", "PatientID"}).empty());
  EXPECT_TRUE(find("-S", {"PatientID=MRN777"}).empty());
  EXPECT_TRUE(find("-S", {"QueryRetrieveLevel=STUDY", "StudyDate=2026-03-01"}).empty());
  EXPECT_EQ(find("-S", {"QueryRetrieveLevel=STUDY", "PatientID=MRN777"}).size(), 1U);  // still serving
  const auto events = query_events();
  ASSERT_EQ(events.size(), 4U);
  EXPECT_NE(events[0].reason.find("refused with 0xa900"), std::string::npos) << events[0].reason;
  EXPECT_NE(events[2].reason.find("neither a value nor a range"), std::string::npos) << events[2].reason;
  EXPECT_EQ(server_->stats().queries, 4U);
}

// Replies are built one at a time as they are sent: answering gives a generator, not a list, and
// each call yields the next match in the catalog's order until there is none.
TEST(StoredQueryReplies, AreBuiltOneAtATimeInTheCatalogsOrder) {
  std::vector<InstanceRecord> records(5);
  for (std::size_t i = 0; i < records.size(); ++i) {
    auto& r = records[i];
    r.patient_id = i % 2 == 0 ? "EVEN" : "ODD";
    r.study_instance_uid = "1.2.3." + std::to_string(i);
    r.series_instance_uid = r.study_instance_uid + ".1";
    r.sop_instance_uid = r.series_instance_uid + ".1";
  }
  DcmDataset identifier;
  identifier.putAndInsertString(DCM_QueryRetrieveLevel, "STUDY");
  identifier.putAndInsertString(DCM_PatientID, "EVEN");
  identifier.putAndInsertString(DCM_StudyInstanceUID, "");
  auto answer = internal::answer_stored_query(identifier, internal::InformationModel::study_root, records, "AE");
  ASSERT_EQ(answer.status, 0) << answer.error;
  ASSERT_TRUE(answer.next);
  std::vector<std::string> studies;
  while (auto reply = answer.next()) {
    OFString uid;
    reply->findAndGetOFString(DCM_StudyInstanceUID, uid);
    studies.emplace_back(uid.c_str());
  }
  EXPECT_EQ(studies, (std::vector<std::string>{"1.2.3.0", "1.2.3.2", "1.2.3.4"}));
  EXPECT_EQ(answer.next(), nullptr);  // and stays done

  identifier.putAndInsertString(DCM_QueryRetrieveLevel, "WARD");
  const auto refused = internal::answer_stored_query(identifier, internal::InformationModel::study_root, records, "AE");
  EXPECT_EQ(refused.status, 0xA900);
  EXPECT_FALSE(refused.next);
}

}  // namespace
}  // namespace radloop::dicom
