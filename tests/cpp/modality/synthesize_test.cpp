// synthesize_study: determinism, the spec's values in the files, and specs it refuses.
#include <gtest/gtest.h>

#include <optional>
#include <set>
#include <thread>
#include <vector>

#include "simulators/modality/study.hpp"
#include "tests/cpp/modality/study_fixture.hpp"

namespace radloop::modality {
namespace {

using testing::load;
using testing::sample_spec;
using testing::ScratchDir;
using testing::text;

TEST(SynthesizeStudy, SameSpecGivesByteIdenticalFiles) {
  ScratchDir first;
  ScratchDir second;
  const auto spec = sample_spec(Modality::ct);
  const auto a = synthesize_study(spec, first.path());
  const auto b = synthesize_study(spec, second.path());
  ASSERT_TRUE(a.ok()) << a.error().message();
  ASSERT_TRUE(b.ok()) << b.error().message();
  ASSERT_EQ(a->size(), 4U);
  ASSERT_EQ(a->size(), b->size());
  for (std::size_t i = 0; i < a->size(); ++i) {
    EXPECT_EQ((*a)[i].sop_instance_uid, (*b)[i].sop_instance_uid);
    EXPECT_EQ((*a)[i].path.filename(), (*b)[i].path.filename());
    EXPECT_EQ((*a)[i].size_bytes, (*b)[i].size_bytes);
    EXPECT_TRUE(testing::same_bytes((*a)[i].path, (*b)[i].path));
  }
}

// Every syntax in one process, one after another: DCMTK 3.6.7's JPEG-LS encoder leaves the pad
// byte after EOI uninitialised, which showed only once other encoders had used the heap before it.
TEST(SynthesizeStudy, EveryTransferSyntaxIsDeterministic) {
  namespace ts = transfer_syntax;
  for (const auto syntax : {ts::implicit_le, ts::explicit_le, ts::deflated_explicit_le, ts::rle_lossless,
                            ts::jpeg_baseline, ts::jpeg_lossless_sv1, ts::jpeg_ls_lossless}) {
    // 48 x 40 and an odd 7 x 5, whose 35 bytes of 8-bit pixels need a pad byte wherever they go.
    for (const std::uint16_t rows : {48, 7}) {
      ScratchDir first;
      ScratchDir second;
      auto spec = sample_spec(Modality::dx, 8);
      spec.rows = rows;
      spec.columns = rows == 7 ? 5 : 40;
      spec.transfer_syntax_uid = std::string(syntax);
      const auto a = synthesize_study(spec, first.path());
      const auto b = synthesize_study(spec, second.path());
      ASSERT_TRUE(a.ok() && b.ok()) << syntax;
      for (std::size_t i = 0; i < a->size(); ++i) {
        EXPECT_TRUE(testing::same_bytes((*a)[i].path, (*b)[i].path)) << syntax << ' ' << rows << " rows";
      }
    }
  }
}

// Studies written side by side share the codec registration and DCMTK's dictionary; neither may
// disturb the other's bytes.
TEST(SynthesizeStudy, ConcurrentStudiesMatchSequentialOnes) {
  ScratchDir sequential;
  ScratchDir parallel;
  std::vector<StudySpec> specs;
  for (const auto syntax : {transfer_syntax::jpeg_ls_lossless, transfer_syntax::rle_lossless,
                            transfer_syntax::jpeg_lossless_sv1, transfer_syntax::deflated_explicit_le}) {
    specs.push_back(sample_spec(Modality::dx, 8));
    specs.back().transfer_syntax_uid = std::string(syntax);
    specs.back().seed += specs.size();
  }
  std::vector<Result<std::vector<SynthesizedInstance>>> expected;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    expected.push_back(synthesize_study(specs[i], sequential.path() / std::to_string(i)));
  }
  std::vector<std::optional<Result<std::vector<SynthesizedInstance>>>> actual(specs.size());
  {
    std::vector<std::jthread> threads;
    for (std::size_t i = 0; i < specs.size(); ++i) {
      threads.emplace_back([&, i] { actual[i] = synthesize_study(specs[i], parallel.path() / std::to_string(i)); });
    }
  }
  for (std::size_t i = 0; i < specs.size(); ++i) {
    ASSERT_TRUE(expected[i].ok() && actual[i].has_value() && actual[i]->ok()) << specs[i].transfer_syntax_uid;
    for (std::size_t k = 0; k < expected[i]->size(); ++k) {
      EXPECT_TRUE(testing::same_bytes((*expected[i])[k].path, (**actual[i])[k].path)) << specs[i].transfer_syntax_uid;
    }
  }
}

TEST(SynthesizeStudy, DifferentSeedGivesDifferentUids) {
  ScratchDir first;
  ScratchDir second;
  auto spec = sample_spec(Modality::mr);
  const auto a = synthesize_study(spec, first.path());
  spec.seed += 1;
  const auto b = synthesize_study(spec, second.path());
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->front().study_instance_uid, b->front().study_instance_uid);
  std::set<std::string> uids;
  for (const auto* study : {&*a, &*b}) {
    for (const auto& instance : *study) {
      uids.insert(instance.series_instance_uid);
      uids.insert(instance.sop_instance_uid);
    }
  }
  EXPECT_EQ(uids.size(), 2U * (2U + 4U));  // per study: two series, four instances, none shared
}

TEST(SynthesizeStudy, ReturnsOneRecordPerInstanceInSeriesOrder) {
  ScratchDir dir;
  const auto study = synthesize_study(sample_spec(Modality::cr, 8), dir.path());
  ASSERT_TRUE(study.ok()) << study.error().message();
  ASSERT_EQ(study->size(), 4U);
  EXPECT_EQ((*study)[0].series_number, 1U);
  EXPECT_EQ((*study)[1].instance_number, 2U);
  EXPECT_EQ((*study)[2].series_number, 2U);
  EXPECT_EQ((*study)[0].series_instance_uid, (*study)[1].series_instance_uid);
  EXPECT_NE((*study)[1].series_instance_uid, (*study)[2].series_instance_uid);
  for (const auto& instance : *study) {
    EXPECT_EQ(instance.sop_class_uid, "1.2.840.10008.5.1.4.1.1.1");  // CR Image Storage
    EXPECT_EQ(instance.study_instance_uid, study->front().study_instance_uid);
    EXPECT_EQ(instance.size_bytes, std::filesystem::file_size(instance.path));
  }
}

TEST(SynthesizeStudy, CopiesTheSpecValuesExactly) {
  ScratchDir dir;
  const auto spec = sample_spec(Modality::ct);
  const auto study = synthesize_study(spec, dir.path());
  ASSERT_TRUE(study.ok()) << study.error().message();
  for (const auto& instance : *study) {
    auto file = load(instance.path);
    DcmDataset& data = *file->getDataset();
    EXPECT_EQ(text(data, DCM_PatientID), spec.patient.id);
    EXPECT_EQ(text(data, DCM_IssuerOfPatientID), spec.patient.issuer);
    EXPECT_EQ(text(data, DCM_PatientName), spec.patient.name);
    EXPECT_EQ(text(data, DCM_PatientBirthDate), spec.patient.birth_date);
    EXPECT_EQ(text(data, DCM_PatientSex), spec.patient.sex);
    EXPECT_EQ(text(data, DCM_AccessionNumber), spec.order.accession_number);
    EXPECT_EQ(text(data, DCM_StudyDescription), spec.order.study_description);
    EXPECT_EQ(text(data, DCM_ReferringPhysicianName), spec.order.referring_physician);
    EXPECT_EQ(text(data, DCM_Modality), "CT");
    EXPECT_EQ(text(data, DCM_StudyDate), spec.study_date);
    EXPECT_EQ(text(data, DCM_StudyTime), spec.study_time);
    EXPECT_EQ(text(data, DCM_StudyInstanceUID), instance.study_instance_uid);
    EXPECT_EQ(text(data, DCM_SeriesInstanceUID), instance.series_instance_uid);
    EXPECT_EQ(text(data, DCM_SOPInstanceUID), instance.sop_instance_uid);
    EXPECT_EQ(text(data, DCM_SOPClassUID), instance.sop_class_uid);
    EXPECT_EQ(text(data, DCM_SeriesNumber), std::to_string(instance.series_number));
    EXPECT_EQ(text(data, DCM_InstanceNumber), std::to_string(instance.instance_number));
    DcmItem* request = nullptr;
    ASSERT_TRUE(data.findAndGetSequenceItem(DCM_RequestAttributesSequence, request, 0).good());
    EXPECT_EQ(text(*request, DCM_RequestedProcedureID), spec.order.requested_procedure_id);
    EXPECT_EQ(text(*request, DCM_ScheduledProcedureStepID), spec.order.scheduled_procedure_step_id);
    EXPECT_EQ(text(*request, DCM_AccessionNumber), spec.order.accession_number);
    DcmMetaInfo& meta = *file->getMetaInfo();
    EXPECT_EQ(text(meta, DCM_MediaStorageSOPInstanceUID), instance.sop_instance_uid);
    EXPECT_EQ(text(meta, DCM_MediaStorageSOPClassUID), instance.sop_class_uid);
    EXPECT_EQ(text(meta, DCM_SourceApplicationEntityTitle), spec.station_ae_title);
  }
}

TEST(SynthesizeStudy, RefusesJpegBaselineForSixteenBitPixels) {
  ScratchDir dir;
  auto spec = sample_spec(Modality::ct);
  spec.transfer_syntax_uid = std::string(transfer_syntax::jpeg_baseline);
  const auto study = synthesize_study(spec, dir.path() / "out");
  ASSERT_FALSE(study.ok());
  EXPECT_EQ(study.error().code, Errc::invalid_config);
  EXPECT_NE(study.error().where.find("1.2.840.10008.1.2.4.50"), std::string::npos) << study.error().message();
  EXPECT_NE(study.error().detail.find("8-bit"), std::string::npos) << study.error().message();
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "out"));  // refused before anything was written
}

TEST(SynthesizeStudy, RefusesATransferSyntaxItCannotWrite) {
  ScratchDir dir;
  auto spec = sample_spec(Modality::mr);
  spec.transfer_syntax_uid = "1.2.840.10008.1.2.4.90";  // JPEG 2000 lossless
  const auto study = synthesize_study(spec, dir.path());
  ASSERT_FALSE(study.ok());
  EXPECT_EQ(study.error().code, Errc::invalid_config);
  EXPECT_NE(study.error().where.find("1.2.840.10008.1.2.4.90"), std::string::npos);
}

TEST(SynthesizeStudy, RefusesSpecsTheIodCannotCarry) {
  ScratchDir dir;
  auto eight_bit_ct = sample_spec(Modality::ct, 8);
  auto sixteen_bit_us = sample_spec(Modality::us, 16);
  auto twelve_bit = sample_spec(Modality::dx, 12);
  auto no_series = sample_spec(Modality::dx);
  no_series.series_count = 0;
  auto bad_date = sample_spec(Modality::dx);
  bad_date.study_date = "2026-03-15";
  for (const auto* spec : {&eight_bit_ct, &sixteen_bit_us, &twelve_bit, &no_series, &bad_date}) {
    const auto study = synthesize_study(*spec, dir.path());
    ASSERT_FALSE(study.ok());
    EXPECT_EQ(study.error().code, Errc::invalid_config) << study.error().message();
  }
}

TEST(SynthesizeStudy, RefusesValuesTheirVrCannotHold) {
  ScratchDir dir;
  auto long_accession = sample_spec(Modality::cr, 8);
  long_accession.order.accession_number = "ACC0000000000042";  // 16 characters: the SH limit
  ASSERT_TRUE(synthesize_study(long_accession, dir.path() / "fits").ok());
  long_accession.order.accession_number += "3";
  auto backslash = sample_spec(Modality::cr, 8);
  backslash.patient.id = "MRN\\1";
  auto bad_sex = sample_spec(Modality::cr, 8);
  bad_sex.patient.sex = "X";
  for (const auto& [spec, tag] : {std::pair{long_accession, "(0008,0050)"}, std::pair{backslash, "(0010,0020)"},
                                  std::pair{bad_sex, "(0010,0040)"}}) {
    const auto study = synthesize_study(spec, dir.path() / "refused");
    ASSERT_FALSE(study.ok()) << tag;
    EXPECT_EQ(study.error().code, Errc::invalid_config);
    EXPECT_NE(study.error().where.find(tag), std::string::npos) << study.error().message();
  }
}

TEST(SynthesizeStudy, DeclaresUtf8OnlyWhenAValueNeedsIt) {
  ScratchDir ascii_dir;
  ScratchDir utf8_dir;
  auto spec = sample_spec(Modality::mr);
  const auto ascii = synthesize_study(spec, ascii_dir.path());
  spec.patient.name = "MÜLLER^JÜRGEN";
  const auto utf8 = synthesize_study(spec, utf8_dir.path());
  ASSERT_TRUE(ascii.ok() && utf8.ok());
  auto plain = load(ascii->front().path);
  EXPECT_EQ(text(*plain->getDataset(), DCM_SpecificCharacterSet), "<absent (0008,0005)>");
  auto file = load(utf8->front().path);
  EXPECT_EQ(text(*file->getDataset(), DCM_SpecificCharacterSet), "ISO_IR 192");
  EXPECT_EQ(text(*file->getDataset(), DCM_PatientName), spec.patient.name);  // the bytes, unconverted
  for (const auto& line : testing::dciodvfy_lines(utf8->front().path)) {
    EXPECT_NE(line.rfind("Error", 0), 0U) << line;
  }
}

TEST(SynthesizeStudy, ReportsAnOutputFolderItCannotCreate) {
  ScratchDir dir;
  const auto blocker = dir.path() / "a-file";
  std::ofstream(blocker) << "x";
  const auto study = synthesize_study(sample_spec(Modality::cr, 8), blocker / "study");
  ASSERT_FALSE(study.ok());
  EXPECT_EQ(study.error().code, Errc::io_failed);
}

}  // namespace
}  // namespace radloop::modality
