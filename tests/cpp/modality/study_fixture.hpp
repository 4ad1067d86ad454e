// Shared by the modality tests: a scratch folder, a filled-in spec, and DCMTK to read files back.
#pragma once

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <dcmtk/dcmdata/dcpixel.h>
#include <dcmtk/dcmdata/dcrledrg.h>
#include <dcmtk/dcmjpeg/djdecode.h>
#include <dcmtk/dcmjpls/djdecode.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "simulators/modality/study.hpp"

namespace radloop::modality::testing {

// A fresh folder under the system temp directory, removed with its content at the end of the test.
class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "radloop-modality-XXXXXX").string();
    const char* made = ::mkdtemp(pattern.data());
    if (made == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = made;
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline StudySpec sample_spec(Modality modality, std::uint16_t bits_allocated = 16) {
  StudySpec spec;
  spec.modality = modality;
  spec.seed = 20260101;
  spec.patient = {"MRN12345", "GENERAL", "DOE^JANE", "19700412", "F"};
  spec.order = {"ACC000042", "RP0042", "CT CHEST WITHOUT CONTRAST", "SPS0042", "HOUSE^GREGORY"};
  spec.series_count = 2;
  spec.instances_per_series = 2;
  spec.rows = 48;
  spec.columns = 40;
  spec.bits_allocated = bits_allocated;
  spec.station_ae_title = "CT_SCANNER_1";
  spec.study_date = "20260315";
  spec.study_time = "093000";
  return spec;
}

inline std::vector<char> file_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Byte equality of two files that, when it fails, says where they first differ.
inline ::testing::AssertionResult same_bytes(const std::filesystem::path& a, const std::filesystem::path& b) {
  const auto left = file_bytes(a);
  const auto right = file_bytes(b);
  if (left == right) return ::testing::AssertionSuccess();
  std::size_t at = 0;
  while (at < left.size() && at < right.size() && left[at] == right[at]) ++at;
  return ::testing::AssertionFailure() << a.filename() << " (" << left.size() << " bytes) and " << b.filename() << " ("
                                       << right.size() << " bytes) first differ at byte " << at;
}

// Decoders for reading back what the synthesizer encoded.
inline void register_decoders() {
  static std::once_flag once;
  std::call_once(once, [] {
    DJDecoderRegistration::registerCodecs();
    DJLSDecoderRegistration::registerCodecs();
    DcmRLEDecoderRegistration::registerCodecs();
  });
}

inline std::unique_ptr<DcmFileFormat> load(const std::filesystem::path& path) {
  auto file = std::make_unique<DcmFileFormat>();
  const OFCondition status = file->loadFile(path.c_str());
  EXPECT_TRUE(status.good()) << path << ": " << status.text();
  return file;
}

inline std::string text(DcmItem& item, const DcmTagKey& tag) {
  OFString value;
  if (item.findAndGetOFStringArray(tag, value).bad()) return "<absent " + std::string(tag.toString().c_str()) + ">";
  return value.c_str();
}

// The first frame's pixel bytes, decompressed, in the machine's byte order; empty when unreadable.
inline std::vector<std::uint8_t> pixel_bytes(DcmFileFormat& file) {
  register_decoders();
  DcmDataset& dataset = *file.getDataset();
  Uint16 rows = 0;
  Uint16 columns = 0;
  Uint16 bits = 0;
  dataset.findAndGetUint16(DCM_Rows, rows);
  dataset.findAndGetUint16(DCM_Columns, columns);
  dataset.findAndGetUint16(DCM_BitsAllocated, bits);
  DcmElement* element = nullptr;
  if (dataset.findAndGetElement(DCM_PixelData, element).bad() || element == nullptr) return {};
  auto* pixels = dynamic_cast<DcmPixelData*>(element);
  if (pixels == nullptr) return {};
  // DCMTK wants room for the even-padded frame; the pixels themselves are rows x columns samples.
  Uint32 frame_size = 0;
  if (pixels->getUncompressedFrameSize(&dataset, frame_size).bad()) return {};
  std::vector<std::uint8_t> buffer(frame_size + (frame_size & 1U));
  Uint32 start_fragment = 0;
  OFString colour_model;
  const OFCondition status = pixels->getUncompressedFrame(&dataset, 0, start_fragment, buffer.data(),
                                                          static_cast<Uint32>(buffer.size()), colour_model);
  EXPECT_TRUE(status.good()) << status.text();
  if (status.bad()) return {};
  buffer.resize(std::size_t{rows} * columns * (bits / 8));
  return buffer;
}

// Every line a shell command printed, stdout and stderr together.
inline std::vector<std::string> command_lines(const std::string& command) {
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return {"Error - could not start " + command};
  std::vector<std::string> lines;
  std::string line;
  for (int c = std::fgetc(pipe); c != EOF; c = std::fgetc(pipe)) {
    if (c == '\n') {
      lines.push_back(line);
      line.clear();
    } else {
      line.push_back(static_cast<char>(c));
    }
  }
  if (!line.empty()) lines.push_back(line);
  ::pclose(pipe);
  return lines;
}

// dciodvfy's verdict on one file.
inline std::vector<std::string> dciodvfy_lines(const std::filesystem::path& path) {
  return command_lines("/usr/bin/dciodvfy '" + path.string() + "'");
}

// A second, independent reader: pydicom's view of the meta transfer syntax, SOP Instance UID and
// patient ID, as one line "<syntax> <uid> <id>".
inline std::string pydicom_header(const std::filesystem::path& path) {
  const auto lines = command_lines(
      "/usr/bin/python3 -c 'import sys, pydicom; d = pydicom.dcmread(sys.argv[1]); "
      "print(d.file_meta.TransferSyntaxUID, d.SOPInstanceUID, d.PatientID)' '" +
      path.string() + "'");
  return lines.empty() ? std::string() : lines.back();
}

}  // namespace radloop::modality::testing
