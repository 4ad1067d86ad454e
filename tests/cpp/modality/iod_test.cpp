// Every modality's IOD, checked by dicom3tools' dciodvfy against PS3.3: no Error lines.
//
// dciodvfy prints no Warning lines for these files either (checked with the dicom3tools of Debian 12).
// Warnings would be accepted here, but printed, so a new one shows up in the test log.
#include <gtest/gtest.h>

#include <string>

#include "simulators/modality/study.hpp"
#include "tests/cpp/modality/study_fixture.hpp"

namespace radloop::modality {
namespace {

using testing::dciodvfy_lines;
using testing::sample_spec;
using testing::ScratchDir;

struct IodCase {
  Modality modality;
  std::uint16_t bits_allocated;
  const char* iod;  // the IOD name dciodvfy prints first
};

void PrintTo(const IodCase& c, std::ostream* os) { *os << c.iod << ' ' << c.bits_allocated; }

class Iod : public ::testing::TestWithParam<IodCase> {};

TEST_P(Iod, DciodvfyReportsNoErrors) {
  ScratchDir dir;
  const auto study = synthesize_study(sample_spec(GetParam().modality, GetParam().bits_allocated), dir.path());
  ASSERT_TRUE(study.ok()) << study.error().message();
  for (const auto& instance : *study) {
    const auto lines = dciodvfy_lines(instance.path);
    ASSERT_FALSE(lines.empty());
    EXPECT_EQ(lines.front(), GetParam().iod) << "dciodvfy chose another IOD for " << instance.path;
    for (const auto& line : lines) {
      EXPECT_NE(line.rfind("Error", 0), 0U) << instance.path.filename() << ": " << line;
      if (line.rfind("Warning", 0) == 0) std::cout << "dciodvfy: " << line << '\n';
    }
  }
}

// Images before (or without) an order: no procedure IDs, no accession, nothing for the 1C IDs.
TEST(IodUnscheduled, DciodvfyReportsNoErrorsAndNoRequestAttributes) {
  ScratchDir dir;
  auto spec = sample_spec(Modality::ct);
  spec.order = OrderInfo{};
  const auto study = synthesize_study(spec, dir.path());
  ASSERT_TRUE(study.ok()) << study.error().message();
  for (const auto& instance : *study) {
    auto file = testing::load(instance.path);
    DcmItem* request = nullptr;
    EXPECT_TRUE(file->getDataset()->findAndGetSequenceItem(DCM_RequestAttributesSequence, request, 0).bad());
    EXPECT_EQ(testing::text(*file->getDataset(), DCM_AccessionNumber), "");  // type 2: present, empty
    for (const auto& line : dciodvfy_lines(instance.path)) {
      EXPECT_NE(line.rfind("Error", 0), 0U) << instance.path.filename() << ": " << line;
      EXPECT_NE(line.rfind("Warning", 0), 0U) << instance.path.filename() << ": " << line;
    }
  }
}

std::string case_name(const ::testing::TestParamInfo<IodCase>& info) {
  return std::string(to_string(info.param.modality)) + std::to_string(info.param.bits_allocated) + "Bit";
}

INSTANTIATE_TEST_SUITE_P(Modalities, Iod,
                         ::testing::Values(IodCase{Modality::ct, 16, "CTImage"}, IodCase{Modality::mr, 16, "MRImage"},
                                           IodCase{Modality::cr, 8, "CRImage"}, IodCase{Modality::cr, 16, "CRImage"},
                                           IodCase{Modality::dx, 8, "DXImageForPresentation"},
                                           IodCase{Modality::dx, 16, "DXImageForPresentation"},
                                           IodCase{Modality::us, 8, "USImage"},
                                           IodCase{Modality::mg, 16, "MammographyImageForPresentation"}),
                         case_name);

}  // namespace
}  // namespace radloop::modality
