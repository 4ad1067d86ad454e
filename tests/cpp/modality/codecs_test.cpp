// Each transfer syntax: the file says it, DCMTK reads it back, lossless ones keep every pixel.
#include <gtest/gtest.h>

#include <string>

#include "simulators/modality/study.hpp"
#include "tests/cpp/modality/study_fixture.hpp"

namespace radloop::modality {
namespace {

using testing::load;
using testing::pixel_bytes;
using testing::sample_spec;
using testing::ScratchDir;
using testing::text;

namespace ts = transfer_syntax;

struct CodecCase {
  std::string_view syntax;
  const char* name;
  Modality modality;
  std::uint16_t bits_allocated;
  bool lossless;
  bool odd_size = false;  // 7 x 5 instead of the sample's 48 x 40
};

// Readable, stable test names in ctest: the default printer shows the bytes, pointers included.
void PrintTo(const CodecCase& c, std::ostream* os) {
  *os << c.name << ' ' << to_string(c.modality) << ' ' << c.bits_allocated << (c.odd_size ? " 7x5" : "");
}

class TransferSyntax : public ::testing::TestWithParam<CodecCase> {};

TEST_P(TransferSyntax, WritesReadsBackAndDecompresses) {
  const auto& param = GetParam();
  auto spec = sample_spec(param.modality, param.bits_allocated);
  if (param.odd_size) {
    spec.rows = 7;
    spec.columns = 5;
  }
  ScratchDir native_dir;
  ScratchDir encoded_dir;
  const auto native = synthesize_study(spec, native_dir.path());  // explicit VR little endian
  spec.transfer_syntax_uid = std::string(param.syntax);
  const auto encoded = synthesize_study(spec, encoded_dir.path());
  ASSERT_TRUE(native.ok()) << native.error().message();
  ASSERT_TRUE(encoded.ok()) << encoded.error().message();
  ASSERT_EQ(native->size(), encoded->size());

  for (std::size_t i = 0; i < encoded->size(); ++i) {
    const auto& instance = (*encoded)[i];
    EXPECT_EQ(instance.sop_instance_uid, (*native)[i].sop_instance_uid);  // compression never renames
    auto file = load(instance.path);
    EXPECT_EQ(text(*file->getMetaInfo(), DCM_TransferSyntaxUID), std::string(param.syntax));
    EXPECT_EQ(text(*file->getDataset(), DCM_SOPInstanceUID), instance.sop_instance_uid);
    EXPECT_EQ(text(*file->getDataset(), DCM_PatientID), spec.patient.id);

    EXPECT_EQ(testing::pydicom_header(instance.path),
              std::string(param.syntax) + " " + instance.sop_instance_uid + " " + spec.patient.id);

    const auto decoded = pixel_bytes(*file);
    const auto reference = pixel_bytes(*load((*native)[i].path));
    ASSERT_EQ(reference.size(), std::size_t{spec.rows} * spec.columns * (spec.bits_allocated / 8));
    ASSERT_EQ(decoded.size(), reference.size());
    // dicom3tools on Debian 12 cannot read a deflated data set ("Dicom dataset read failed").
    if (param.syntax != ts::deflated_explicit_le) {
      for (const auto& line : testing::dciodvfy_lines(instance.path)) {
        EXPECT_NE(line.rfind("Error", 0), 0U) << instance.path.filename() << ": " << line;
      }
    }
    if (param.lossless) {
      EXPECT_EQ(decoded, reference) << instance.path.filename();
    } else {
      EXPECT_EQ(text(*file->getDataset(), DCM_LossyImageCompression), "01");
    }
  }
}

std::string case_name(const ::testing::TestParamInfo<CodecCase>& info) {
  return std::string(info.param.name) + "_" + std::string(to_string(info.param.modality)) +
         std::to_string(info.param.bits_allocated) + "Bit" + (info.param.odd_size ? "_7x5" : "");
}

INSTANTIATE_TEST_SUITE_P(
    Syntaxes, TransferSyntax,
    ::testing::Values(CodecCase{ts::implicit_le, "ImplicitLittleEndian", Modality::ct, 16, true},
                      CodecCase{ts::implicit_le, "ImplicitLittleEndian", Modality::cr, 8, true},
                      CodecCase{ts::explicit_le, "ExplicitLittleEndian", Modality::mr, 16, true},
                      CodecCase{ts::deflated_explicit_le, "DeflatedExplicitLittleEndian", Modality::ct, 16, true},
                      CodecCase{ts::deflated_explicit_le, "DeflatedExplicitLittleEndian", Modality::us, 8, true},
                      CodecCase{ts::rle_lossless, "RleLossless", Modality::ct, 16, true},
                      CodecCase{ts::rle_lossless, "RleLossless", Modality::dx, 8, true},
                      CodecCase{ts::jpeg_baseline, "JpegBaseline", Modality::us, 8, false},
                      CodecCase{ts::jpeg_baseline, "JpegBaseline", Modality::dx, 8, false},
                      CodecCase{ts::jpeg_lossless_sv1, "JpegLosslessSv1", Modality::mg, 16, true},
                      CodecCase{ts::jpeg_lossless_sv1, "JpegLosslessSv1", Modality::cr, 8, true},
                      CodecCase{ts::jpeg_ls_lossless, "JpegLsLossless", Modality::mr, 16, true},
                      CodecCase{ts::jpeg_ls_lossless, "JpegLsLossless", Modality::us, 8, true},
                      CodecCase{ts::implicit_le, "ImplicitLittleEndian", Modality::dx, 8, true, true},
                      CodecCase{ts::rle_lossless, "RleLossless", Modality::dx, 8, true, true},
                      CodecCase{ts::jpeg_lossless_sv1, "JpegLosslessSv1", Modality::dx, 8, true, true},
                      CodecCase{ts::jpeg_ls_lossless, "JpegLsLossless", Modality::dx, 8, true, true},
                      CodecCase{ts::jpeg_ls_lossless, "JpegLsLossless", Modality::ct, 16, true, true}),
    case_name);

}  // namespace
}  // namespace radloop::modality
