// What the C-STORE, commitment and query suites share: instances written by DCMTK, a recorder of
// events and records, a server that stores into a scratch folder, and DCMTK's tools run as peers.
#pragma once

#include <arpa/inet.h>
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmnet/scu.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "reference/dicom/server.hpp"

extern char** environ;  // NOLINT: POSIX

namespace radloop::dicom::test_support {

namespace fs = std::filesystem;

inline std::string new_uid() {
  std::array<char, 65> buffer{};
  return dcmGenerateUniqueIdentifier(buffer.data(), SITE_INSTANCE_UID_ROOT);
}

struct Instance {
  std::string study_uid = new_uid();
  std::string series_uid = new_uid();
  std::string sop_uid = new_uid();
  std::string path;
  std::string patient_id = "MRN12345";
  std::string patient_name = "DOE^JANE";
  std::string accession = "ACC0001";
  std::string modality = "CT";
  std::string study_date = "20260101";
  std::string series_number = "1";
  std::string instance_number = "1";
};

// A small CT image written by DCMTK; pixel_words 16-bit pixels, each set to fill.
inline Instance make_instance(const fs::path& dir, Instance uids = {}, std::size_t pixel_words = 64, Uint16 fill = 7) {
  DcmFileFormat file;
  DcmDataset& d = *file.getDataset();
  d.putAndInsertString(DCM_SOPClassUID, UID_CTImageStorage);
  d.putAndInsertString(DCM_SOPInstanceUID, uids.sop_uid.c_str());
  d.putAndInsertString(DCM_StudyInstanceUID, uids.study_uid.c_str());
  d.putAndInsertString(DCM_SeriesInstanceUID, uids.series_uid.c_str());
  d.putAndInsertString(DCM_PatientID, uids.patient_id.c_str());
  d.putAndInsertString(DCM_IssuerOfPatientID, "GENERAL");
  d.putAndInsertString(DCM_PatientName, uids.patient_name.c_str());
  d.putAndInsertString(DCM_PatientBirthDate, "19800101");
  d.putAndInsertString(DCM_PatientSex, "F");
  d.putAndInsertString(DCM_AccessionNumber, uids.accession.c_str());
  d.putAndInsertString(DCM_Modality, uids.modality.c_str());
  d.putAndInsertString(DCM_StudyDate, uids.study_date.c_str());
  d.putAndInsertString(DCM_SeriesNumber, uids.series_number.c_str());
  d.putAndInsertString(DCM_InstanceNumber, uids.instance_number.c_str());
  d.putAndInsertString(DCM_StudyTime, "120000");
  d.putAndInsertUint16(DCM_Rows, 1);
  d.putAndInsertUint16(DCM_Columns, static_cast<Uint16>(pixel_words > 65535 ? 0 : pixel_words));
  d.putAndInsertUint16(DCM_BitsAllocated, 16);
  d.putAndInsertUint16(DCM_BitsStored, 16);
  d.putAndInsertUint16(DCM_HighBit, 15);
  d.putAndInsertUint16(DCM_SamplesPerPixel, 1);
  d.putAndInsertString(DCM_PhotometricInterpretation, "MONOCHROME2");
  std::vector<Uint16> pixels(pixel_words, fill);
  d.putAndInsertUint16Array(DCM_PixelData, pixels.data(), static_cast<unsigned long>(pixels.size()));
  uids.path = (dir / (uids.sop_uid + "." + std::to_string(fill) + ".dcm")).string();
  EXPECT_TRUE(file.saveFile(uids.path.c_str(), EXS_LittleEndianExplicit).good());
  return uids;
}

struct Recorder {
  std::mutex mutex;
  std::vector<AssociationEvent> events;
  std::vector<InstanceRecord> records;
  EventObserver observer() {
    return [this](const AssociationEvent& e) {
      std::lock_guard lock(mutex);
      events.push_back(e);
    };
  }
  InstanceSink sink() {
    return [this](const InstanceRecord& r) -> Result<void> {
      std::lock_guard lock(mutex);
      records.push_back(r);
      return {};
    };
  }
  std::vector<AssociationEvent> of(AssociationEvent::Kind kind) {
    std::lock_guard lock(mutex);
    std::vector<AssociationEvent> out;
    for (const auto& e : events) {
      if (e.kind == kind) out.push_back(e);
    }
    return out;
  }
};

// A plain TCP connection to the server, for tests that speak bytes rather than DIMSE.
inline int connect_to(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);  // NOLINT: POSIX sockets
  return fd;
}

inline ServerConfig storing_into(const fs::path& dir) {
  ServerConfig config;
  config.storage_dir = dir.string();
  return config;
}

inline std::unique_ptr<Server> start_server(Recorder& recorder, ServerConfig config, InstanceSink sink = {}) {
  auto server = Server::start(std::move(config), recorder.observer(), sink ? std::move(sink) : recorder.sink());
  EXPECT_TRUE(server.ok()) << server.error().message();
  return std::move(server).value();
}

// One association, one C-STORE of the file; the response status, or the DCMTK error in words.
struct SendResult {
  bool sent = false;
  Uint16 status = 0xFFFF;
  std::string error;
};

// A DcmSCU as MODALITY1 calling RADLOOP on loopback, proposing one context.
inline void address_server(DcmSCU& scu, std::uint16_t port, const char* abstract_syntax, const char* transfer_syntax) {
  scu.setAETitle("MODALITY1");
  scu.setPeerHostName("127.0.0.1");
  scu.setPeerPort(port);
  scu.setPeerAETitle("RADLOOP");
  scu.setACSETimeout(30);
  scu.setDIMSETimeout(30);
  scu.setDIMSEBlockingMode(DIMSE_BLOCKING);
  OFList<OFString> syntaxes;
  syntaxes.push_back(transfer_syntax);
  scu.addPresentationContext(abstract_syntax, syntaxes);
}

// DcmSCU refuses to send some requests without a data set, and has no N-CREATE or N-SET; the
// DIMSE layer underneath sends whatever a test builds.
struct BareScu : DcmSCU {
  // Sends the request (with the data set when its DataSetType says so) and reads the status.
  OFCondition exchange(T_ASC_PresentationContextID context, T_DIMSE_Message& request, DcmDataset* dataset,
                       Uint16& status) {
    auto cond = sendDIMSEMessage(context, &request, dataset);
    if (cond.bad()) return cond;
    T_DIMSE_Message response{};
    DcmDataset* detail = nullptr;
    cond = receiveDIMSECommand(&context, &response, &detail);
    delete detail;  // NOLINT(cppcoreguidelines-owning-memory): DCMTK hands it over
    if (cond.bad()) return cond;
    switch (response.CommandField) {
      case DIMSE_N_ACTION_RSP: status = response.msg.NActionRSP.DimseStatus; break;
      case DIMSE_N_CREATE_RSP: status = response.msg.NCreateRSP.DimseStatus; break;
      case DIMSE_N_SET_RSP: status = response.msg.NSetRSP.DimseStatus; break;
      default: return makeOFCondition(0, 1, OF_error, "unexpected response");
    }
    return cond;
  }
};

inline SendResult send(std::uint16_t port, const std::string& path,
                       const char* transfer_syntax = UID_LittleEndianExplicitTransferSyntax) {
  DcmSCU scu;
  address_server(scu, port, UID_CTImageStorage, transfer_syntax);
  SendResult result;
  auto cond = scu.initNetwork();
  if (cond.good()) cond = scu.negotiateAssociation();
  if (cond.good()) cond = scu.sendSTORERequest(0, path.c_str(), nullptr, result.status);
  if (cond.good()) {
    result.sent = true;
    scu.releaseAssociation();
  } else {
    result.error = cond.text();
  }
  return result;
}

// Runs a tool found on PATH (args[0]) to its end; its output is appended to log when one is
// given. Returns its exit code, or -1 when it could not run.
inline int run_tool(std::vector<std::string> args, const fs::path& log = {}) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (!log.empty()) {
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  }
  pid_t pid = 0;
  const int spawned = ::posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) return -1;
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

inline int run_storescu(std::vector<std::string> args) {
  args.insert(args.begin(), "storescu");
  return run_tool(std::move(args));
}

// Every regular file under dir, except those under the given subfolders.
inline std::vector<fs::path> files_under(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) out.push_back(e.path());
  }
  return out;
}

inline fs::path final_path(const fs::path& root, const Instance& i) {
  return root / i.study_uid / i.series_uid / (i.sop_uid + ".dcm");
}

inline std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace radloop::dicom::test_support
