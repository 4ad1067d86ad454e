// The shape walk that runs before DCMTK parses anything from a peer: nesting and element counts
// in every encoding, hostile structure refused with where and why, and every third-party file
// DCMTK reads (pydicom's test corpus) let through.
#include "reference/dicom/internal/dataset_shape.hpp"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "reference/dicom/internal/instance_header.hpp"
#include "tests/cpp/dicom/temp_dir.hpp"

namespace radloop::dicom::internal {
namespace {

namespace fs = std::filesystem;

std::string le16(std::uint16_t v) { return {static_cast<char>(v & 0xFF), static_cast<char>(v >> 8)}; }
std::string le32(std::uint32_t v) { return le16(v & 0xFFFF) + le16(v >> 16); }
std::string be16(std::uint16_t v) { return {static_cast<char>(v >> 8), static_cast<char>(v & 0xFF)}; }
std::string be32(std::uint32_t v) { return be16(v >> 16) + be16(v & 0xFFFF); }
constexpr std::uint32_t kUndefined = 0xFFFFFFFF;

std::string tag(std::uint16_t g, std::uint16_t e) { return le16(g) + le16(e); }
// Explicit VR little endian.
std::string text_element(std::uint16_t g, std::uint16_t e, const std::string& vr, std::string value) {
  if (value.size() % 2 != 0) value += ' ';
  if (vr == "UT" || vr == "OB")
    return tag(g, e) + vr + le16(0) + le32(static_cast<std::uint32_t>(value.size())) + value;
  return tag(g, e) + vr + le16(static_cast<std::uint16_t>(value.size())) + value;
}
std::string item(const std::string& content, bool undefined) {
  return tag(0xFFFE, 0xE000) + le32(undefined ? kUndefined : static_cast<std::uint32_t>(content.size())) + content +
         (undefined ? tag(0xFFFE, 0xE00D) + le32(0) : "");
}
std::string sequence(std::uint16_t g, std::uint16_t e, const std::string& items, bool undefined) {
  return tag(g, e) + "SQ" + le16(0) + le32(undefined ? kUndefined : static_cast<std::uint32_t>(items.size())) + items +
         (undefined ? tag(0xFFFE, 0xE0DD) + le32(0) : "");
}

// Content Sequence inside Content Sequence, `levels` deep, around one text value. Built without
// recursion (as the walk reads it), so 10,000 levels cost nothing here either.
std::string nested(int levels, bool undefined) {
  if (undefined) {
    std::string open;
    std::string close;
    for (int i = 0; i < levels; ++i) {
      open += tag(0x0040, 0xA730) + "SQ" + le16(0) + le32(kUndefined) + tag(0xFFFE, 0xE000) + le32(kUndefined);
      close += tag(0xFFFE, 0xE00D) + le32(0) + tag(0xFFFE, 0xE0DD) + le32(0);
    }
    return open + text_element(0x0040, 0xA160, "UT", "deep") + close;
  }
  std::string content = text_element(0x0040, 0xA040, "CS", "TEXT");
  for (int i = 0; i < levels; ++i) content = sequence(0x0040, 0xA730, item(content, false), false);
  return content;
}

std::string with_header(const std::string& dataset) {
  return text_element(0x0008, 0x0016, "UI", UID_BasicTextSRStorage) + text_element(0x0010, 0x0020, "LO", "MRN1") +
         dataset;
}

std::string part10(const std::string& dataset, const std::string& transfer_syntax) {
  std::string uid = transfer_syntax;
  if (uid.size() % 2 != 0) uid += '\0';
  const auto ts = tag(0x0002, 0x0010) + "UI" + le16(static_cast<std::uint16_t>(uid.size())) + uid;
  const auto length = tag(0x0002, 0x0000) + "UL" + le16(4) + le32(static_cast<std::uint32_t>(ts.size()));
  return std::string(128, '\0') + "DICM" + length + ts + dataset;
}

TEST(DatasetShape, MeasuresAFlatDataSet) {
  auto shape = dataset_shape(with_header(""), UID_LittleEndianExplicitTransferSyntax, DatasetLimits{});
  ASSERT_TRUE(shape.ok()) << shape.error().message();
  EXPECT_EQ(shape->depth, 0U);
  EXPECT_EQ(shape->elements, 2U);
}

TEST(DatasetShape, CountsNestingOfEitherLengthUpToTheLimit) {
  for (const bool undefined : {true, false}) {
    auto shape = dataset_shape(with_header(nested(128, undefined)), UID_LittleEndianExplicitTransferSyntax, {});
    ASSERT_TRUE(shape.ok()) << shape.error().message();
    EXPECT_EQ(shape->depth, 128U);
  }
}

TEST(DatasetShape, RefusesOneLevelPastTheLimitAndSaysWhere) {
  for (const bool undefined : {true, false}) {
    auto shape = dataset_shape(with_header(nested(129, undefined)), UID_LittleEndianExplicitTransferSyntax, {});
    ASSERT_FALSE(shape.ok());
    EXPECT_EQ(shape.error().code, Errc::dicom_refused);
    EXPECT_NE(shape.error().detail.find("(0040,A730) is nested 129 levels deep; the limit is 128"), std::string::npos)
        << shape.error().detail;
    EXPECT_NE(shape.error().where.find("byte"), std::string::npos) << shape.error().where;
  }
}

// The file that kills DCMTK's own storescp: refused after 129 headers, whatever comes after.
TEST(DatasetShape, RefusesTenThousandLevelsWithoutRecursing) {
  const auto bytes = part10(with_header(nested(10'000, true)), UID_LittleEndianExplicitTransferSyntax);
  auto shape = part10_shape(bytes, {});
  ASSERT_FALSE(shape.ok());
  EXPECT_NE(shape.error().detail.find("129 levels"), std::string::npos) << shape.error().detail;
}

TEST(DatasetShape, AppliesALowerConfiguredLimit) {
  DatasetLimits limits;
  limits.max_depth = 3;
  EXPECT_TRUE(dataset_shape(nested(3, true), UID_LittleEndianExplicitTransferSyntax, limits).ok());
  EXPECT_FALSE(dataset_shape(nested(4, true), UID_LittleEndianExplicitTransferSyntax, limits).ok());
}

TEST(DatasetShape, RefusesMoreElementsThanTheLimit) {
  std::string many;
  for (int i = 0; i < 100; ++i) many += text_element(0x0009, static_cast<std::uint16_t>(0x1000 + i), "LO", "x");
  DatasetLimits limits;
  limits.max_elements = 99;
  auto shape = dataset_shape(many, UID_LittleEndianExplicitTransferSyntax, limits);
  ASSERT_FALSE(shape.ok());
  EXPECT_NE(shape.error().detail.find("more than 99 elements"), std::string::npos) << shape.error().detail;
  limits.max_elements = 100;
  EXPECT_TRUE(dataset_shape(many, UID_LittleEndianExplicitTransferSyntax, limits).ok());
}

// In implicit VR a defined-length sequence is known from the dictionary (a private one from its
// first item), and UN of undefined length holds implicit VR whatever the outer encoding.
TEST(DatasetShape, FindsSequencesInImplicitVrAndInsideUn) {
  const auto implicit_item = [](const std::string& content) {
    return tag(0xFFFE, 0xE000) + le32(content.size()) + content;
  };
  std::string content = tag(0x0040, 0xA040) + le32(4) + "TEXT";
  for (int i = 0; i < 5; ++i) {
    const auto items = implicit_item(content);
    content = tag(0x0040, 0xA730) + le32(items.size()) + items;  // public: the dictionary says SQ
  }
  auto shape = dataset_shape(content, UID_LittleEndianImplicitTransferSyntax, {});
  ASSERT_TRUE(shape.ok()) << shape.error().message();
  EXPECT_EQ(shape->depth, 5U);

  const auto items = implicit_item(content);
  const auto private_sq = tag(0x0009, 0x1010) + le32(items.size()) + items;
  shape = dataset_shape(private_sq, UID_LittleEndianImplicitTransferSyntax, {});
  ASSERT_TRUE(shape.ok()) << shape.error().message();
  EXPECT_EQ(shape->depth, 6U);

  const auto un = tag(0x0009, 0x1020) + "UN" + le16(0) + le32(kUndefined) + items + tag(0xFFFE, 0xE0DD) + le32(0);
  shape = dataset_shape(un, UID_LittleEndianExplicitTransferSyntax, {});
  ASSERT_TRUE(shape.ok()) << shape.error().message();
  EXPECT_EQ(shape->depth, 6U);
}

TEST(DatasetShape, ReadsBigEndian) {
  std::string content = be16(0x0040) + be16(0xA040) + "CS" + be16(4) + "TEXT";
  for (int i = 0; i < 4; ++i) {
    const auto items = be16(0xFFFE) + be16(0xE000) + be32(content.size()) + content;
    content = be16(0x0040) + be16(0xA730) + "SQ" + be16(0) + be32(items.size()) + items;
  }
  auto shape = dataset_shape(content, UID_BigEndianExplicitTransferSyntax, {});
  ASSERT_TRUE(shape.ok()) << shape.error().message();
  EXPECT_EQ(shape->depth, 4U);
}

// Fragments are opaque: bytes inside one that look like items are not nesting.
TEST(DatasetShape, SkipsEncapsulatedPixelDataFragments) {
  const std::string fragment = tag(0xFFFE, 0xE000) + le32(kUndefined) + tag(0xFFFE, 0xE000) + le32(kUndefined);
  const auto pixels = tag(0x7FE0, 0x0010) + "OB" + le16(0) + le32(kUndefined) + item("", false) + tag(0xFFFE, 0xE000) +
                      le32(fragment.size()) + fragment + tag(0xFFFE, 0xE0DD) + le32(0);
  auto shape = dataset_shape(with_header(pixels), UID_JPEGProcess1TransferSyntax, {});
  ASSERT_TRUE(shape.ok()) << shape.error().message();
  EXPECT_EQ(shape->depth, 0U);
}

TEST(DatasetShape, RefusesBrokenStructureWithAReason) {
  struct Case {
    std::string bytes;
    std::string says;
  };
  const std::vector<Case> cases = {
      {text_element(0x0010, 0x0010, "PN", "DOE").substr(0, 10), "runs past the end"},
      {tag(0x0010, 0x0010) + "P", "ends inside the header"},
      {tag(0x0010, 0x0010) + "\x01\x02" + le16(0), "no standard VR"},
      {tag(0xFFFE, 0xE000) + le32(0), "an item outside any sequence"},
      {tag(0xFFFE, 0xE00D) + le32(0), "an item delimiter where"},
      {tag(0xFFFE, 0xE0DD) + le32(0), "a sequence delimiter where"},
      {tag(0xFFFE, 0xE0AA) + le32(0), "unknown item tag (FFFE,E0AA)"},
      {tag(0x0040, 0xA730) + "SQ" + le16(0) + le32(kUndefined) + tag(0xFFFE, 0xE000) + le32(kUndefined), "never ends"},
      {sequence(0x0040, 0xA730, text_element(0x0010, 0x0010, "PN", "DOE"), true), "outside any item"},
      {sequence(0x0040, 0xA730, item(text_element(0x0010, 0x0010, "PN", "DOE"), false), false).substr(0, 20),
       "longer than the data left"},
      {tag(0x0010, 0x0010) + "LO" + le16(0) + tag(0x0010, 0x0020) + "UT" + le16(0) + le32(kUndefined),
       "has an undefined length"},
  };
  for (const auto& c : cases) {
    auto shape = dataset_shape(c.bytes, UID_LittleEndianExplicitTransferSyntax, {});
    ASSERT_FALSE(shape.ok()) << c.says;
    EXPECT_EQ(shape.error().code, Errc::dicom_refused);
    EXPECT_NE(shape.error().detail.find(c.says), std::string::npos) << shape.error().detail;
  }
}

TEST(DatasetShape, InflatesADeflatedDataSetBeforeWalkingIt) {
  const auto plain = with_header(nested(200, true));
  std::string deflated(compressBound(plain.size()) + 64, '\0');
  z_stream z{};
  ASSERT_EQ(deflateInit2(&z, 6, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(plain.data()));
  z.avail_in = plain.size();
  z.next_out = reinterpret_cast<Bytef*>(deflated.data());
  z.avail_out = deflated.size();
  ASSERT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  deflated.resize(z.total_out);
  deflateEnd(&z);
  auto shape = part10_shape(part10(deflated, UID_DeflatedExplicitVRLittleEndianTransferSyntax), {});
  ASSERT_FALSE(shape.ok());
  EXPECT_NE(shape.error().detail.find("129 levels"), std::string::npos) << shape.error().detail;
  EXPECT_FALSE(part10_shape(part10("garbage", UID_DeflatedExplicitVRLittleEndianTransferSyntax), {}).ok());
}

std::string deflate_raw(const std::string& plain) {
  std::string out(compressBound(plain.size()) + 64, '\0');
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, 6, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(plain.data()));
  z.avail_in = plain.size();
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = out.size();
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

// Where DCMTK and the walk could read the same bytes two ways, the walk refuses: a VR that is not
// a standard one (DCMTK takes it for a future VR, long form, a sequence when undefined), a
// sequence or a group length that disagrees in the meta header, a transfer syntax DCMTK does not know.
TEST(DatasetShape, RefusesWhatDcmtkWouldReadAnotherWay) {
  const auto zz = tag(0x0008, 0x1115) + "ZZ" + le16(0xFFF8) + le32(kUndefined);
  auto shape = dataset_shape(zz, UID_LittleEndianExplicitTransferSyntax, {});
  ASSERT_FALSE(shape.ok());
  EXPECT_NE(shape.error().detail.find("no standard VR"), std::string::npos) << shape.error().detail;

  const auto ts = text_element(0x0002, 0x0010, "UI", UID_LittleEndianExplicitTransferSyntax);
  const auto sq = tag(0x0002, 0x0099) + "SQ" + le16(0) + le32(0);
  shape = part10_shape(std::string(128, '\0') + "DICM" + ts + sq + with_header(""), {});
  ASSERT_FALSE(shape.ok());
  EXPECT_NE(shape.error().detail.find("a meta header is flat"), std::string::npos) << shape.error().detail;

  const auto wrong_length = tag(0x0002, 0x0000) + "UL" + le16(4) + le32(ts.size() + 20);
  shape = part10_shape(std::string(128, '\0') + "DICM" + wrong_length + ts + with_header(""), {});
  ASSERT_FALSE(shape.ok());
  EXPECT_NE(shape.error().detail.find("group length says"), std::string::npos) << shape.error().detail;

  shape = part10_shape(part10(with_header(""), "1.2.3.4.5.999"), {});
  ASSERT_FALSE(shape.ok());
  EXPECT_NE(shape.error().detail.find("not one DCMTK knows"), std::string::npos) << shape.error().detail;
}

std::string implicit_nested(int levels) {
  std::string implicit = tag(0x0040, 0xA040) + le32(4) + "TEXT";
  for (int i = 0; i < levels; ++i) {
    const auto items = tag(0xFFFE, 0xE000) + le32(implicit.size()) + implicit;
    implicit = tag(0x0040, 0xA730) + le32(items.size()) + items;
  }
  return implicit;
}

// The encoding comes from DCMTK's own table, of the value as DCMTK reads it: a private syntax it
// reads as implicit VR, and a UID cut at an inner NUL, are walked as implicit VR.
TEST(DatasetShape, TakesTheTransferSyntaxAsDcmtkDoes) {
  auto shape = part10_shape(part10(implicit_nested(4), "1.2.840.113619.5.2"), {});
  ASSERT_TRUE(shape.ok()) << shape.error().message();
  EXPECT_EQ(shape->depth, 4U);
  shape = part10_shape(part10(implicit_nested(4), std::string("1.2.840.10008.1.2\0x", 19)), {});
  ASSERT_TRUE(shape.ok()) << shape.error().message();
  EXPECT_EQ(shape->depth, 4U);

  const auto ts = text_element(0x0002, 0x0010, "UI", UID_LittleEndianExplicitTransferSyntax);
  shape = part10_shape(std::string(128, '\0') + "DICM" + ts + ts + with_header(""), {});
  ASSERT_FALSE(shape.ok());
  EXPECT_NE(shape.error().detail.find("repeated"), std::string::npos) << shape.error().detail;
  shape = part10_shape(
      std::string(128, '\0') + "DICM" + ts + std::string("\x00\x02\x00\x00", 4) + "SQ" + le16(0) + le32(kUndefined),
      {});
  ASSERT_FALSE(shape.ok());
  EXPECT_NE(shape.error().detail.find("group 0200"), std::string::npos) << shape.error().detail;
  shape = part10_shape(std::string("\x00\x02\x00\x10", 4) + "UI" + be16(2) + "1\0", {});
  ASSERT_FALSE(shape.ok());
  EXPECT_NE(shape.error().detail.find("big endian"), std::string::npos) << shape.error().detail;
}

// DCMTK finds a meta header without the preamble and "DICM" when the first tag is in group 0002:
// so does the walk, and reads the data set in the transfer syntax it names.
TEST(DatasetShape, FindsAMetaHeaderWithoutThePreamble) {
  const auto ts = text_element(0x0002, 0x0010, "UI", UID_LittleEndianImplicitTransferSyntax);
  std::string implicit = tag(0x0040, 0xA040) + le32(4) + "TEXT";
  for (int i = 0; i < 3; ++i) {
    const auto items = tag(0xFFFE, 0xE000) + le32(implicit.size()) + implicit;
    implicit = tag(0x0040, 0xA730) + le32(items.size()) + items;
  }
  auto shape = part10_shape(ts + implicit, {});
  ASSERT_TRUE(shape.ok()) << shape.error().message();
  EXPECT_EQ(shape->depth, 3U);
}

// A deflated file larger than one read buffer is read whole, and an in-memory data set may not
// inflate past what may be received into memory.
TEST(DatasetShape, ReadsLargeDeflatedFilesAndBoundsInflation) {
  std::string noise(200'000, '\0');
  std::uint32_t x = 12345;
  for (auto& c : noise) c = static_cast<char>((x = x * 1664525U + 1013904223U) >> 24);
  const auto plain = with_header(nested(20, true)) + text_element(0x7FE0, 0x0010, "OB", noise);
  test_support::TempDir dir;
  const auto path = dir.path / "deflated.dcm";
  std::ofstream(path, std::ios::binary) << part10(deflate_raw(plain), UID_DeflatedExplicitVRLittleEndianTransferSyntax);
  ASSERT_GT(fs::file_size(path), 100'000U);
  auto shape = part10_file_shape(path.string(), {});
  ASSERT_TRUE(shape.ok()) << shape.error().message();
  EXPECT_EQ(shape->depth, 20U);

  DatasetLimits small;
  small.max_in_memory_bytes = 100'000;
  const auto bomb = deflate_raw(with_header("") + text_element(0x0009, 0x1010, "OB", std::string(1'000'000, 'a')));
  auto refused = dataset_shape(bomb, UID_DeflatedExplicitVRLittleEndianTransferSyntax, small);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().detail.find("inflates to more than 100000 bytes"), std::string::npos)
      << refused.error().detail;
}

TEST(DatasetShape, ReadsAFileTheSameAsItsBytesWithoutReadingValues) {
  test_support::TempDir dir;
  const auto path = dir.path / "deep.dcm";
  const auto bytes =
      part10(with_header(nested(40, false)) + text_element(0x7FE0, 0x0010, "OB", std::string(300'000, 'x')),
             UID_LittleEndianExplicitTransferSyntax);
  std::ofstream(path, std::ios::binary) << bytes;
  auto from_file = part10_file_shape(path.string(), {});
  auto from_bytes = part10_shape(bytes, {});
  ASSERT_TRUE(from_file.ok()) << from_file.error().message();
  ASSERT_TRUE(from_bytes.ok()) << from_bytes.error().message();
  EXPECT_EQ(from_file->depth, 40U);
  EXPECT_EQ(from_file->depth, from_bytes->depth);
  EXPECT_EQ(from_file->elements, from_bytes->elements);
}

// Before the check, DCMTK parsed this header and the process died with SIGSEGV.
TEST(DatasetShape, GuardsTheReceivedInstanceHeader) {
  test_support::TempDir dir;
  const auto path = dir.path / "deep.dcm";
  const auto bytes = part10(with_header(nested(10'000, true)), UID_LittleEndianExplicitTransferSyntax);
  std::ofstream(path, std::ios::binary) << bytes;
  for (const auto& in_memory : {std::string(), bytes}) {
    auto header = read_instance_header(path.string(), in_memory);
    ASSERT_FALSE(header.ok());
    EXPECT_EQ(header.error().code, Errc::dicom_refused);
  }
}

// Third-party files of every encoding pydicom tests with: whatever DCMTK reads, the walk lets
// through.
TEST(DatasetShape, LetsThroughEveryCorpusFileDcmtkReads) {
  const fs::path corpus = "/usr/lib/python3/dist-packages/pydicom/data/test_files";
  ASSERT_TRUE(fs::is_directory(corpus)) << "python3-pydicom is installed by ci/setup.sh";
  int read = 0;
  for (const auto& entry : fs::recursive_directory_iterator(corpus)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".dcm") continue;
    DcmFileFormat file;
    if (file.loadFile(entry.path().c_str()).bad()) continue;
    ++read;
    auto shape = part10_file_shape(entry.path().string(), {});
    EXPECT_TRUE(shape.ok()) << entry.path() << ": " << shape.error().message();
  }
  EXPECT_GT(read, 40);
}

}  // namespace
}  // namespace radloop::dicom::internal
