// libFuzzer target for the report readers: any bytes, as a received report object file, are read
// as a Structured Report and as an encapsulated document (PDF), each giving a document or a
// located error. The file is an in-memory one (memfd), rewritten for each input.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "reference/dicom/sr.hpp"

namespace {

int file_descriptor() {
  static const int fd = ::memfd_create("report-object", MFD_CLOEXEC);
  return fd;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  ::setenv("RADLOOP_DCMTK_LOG", "off", 1);
  return file_descriptor() >= 0 ? 0 : 1;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace radloop::dicom;
  const int fd = file_descriptor();
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, data, size, 0) != static_cast<ssize_t>(size)) std::abort();
  const std::string path = "/proc/self/fd/" + std::to_string(fd);
  const auto located = [](const radloop::Error& e) { return !e.where.empty() && !e.detail.empty(); };
  if (auto sr = read_structured_report(path); !sr && !located(sr.error())) __builtin_trap();
  if (auto pdf = read_encapsulated_document(path); !pdf && !located(pdf.error())) __builtin_trap();
  return 0;
}
