// One-time DCMTK set-up shared by every service and user in reference/dicom.
#include "reference/dicom/internal/dcmtk_runtime.hpp"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/oflog/oflog.h>
#include <dcmtk/ofstd/ofcond.h>

#include <cstdlib>
#include <mutex>

namespace radloop::dicom::internal {

void ensure_dcmtk_ready() {
  static std::once_flag once;
  std::call_once(once, [] {
    // RADLOOP_DCMTK_LOG=debug|info|warn|off lets a person see DCMTK's own trace when digging. By
    // default only errors: the warnings are ours to turn into events (and one of them fires on
    // every header read that stops early on purpose).
    const char* level = std::getenv("RADLOOP_DCMTK_LOG");
    auto log_level = OFLogger::ERROR_LOG_LEVEL;
    if (level != nullptr && std::string(level) == "warn") log_level = OFLogger::WARN_LOG_LEVEL;
    if (level != nullptr && std::string(level) == "debug") log_level = OFLogger::DEBUG_LOG_LEVEL;
    if (level != nullptr && std::string(level) == "info") log_level = OFLogger::INFO_LOG_LEVEL;
    // "off" for a fuzzer, which feeds DCMTK nothing but broken data and has no one to read it.
    if (level != nullptr && std::string(level) == "off") log_level = OFLogger::OFF_LOG_LEVEL;
    OFLog::configure(log_level);
    // DCMTK leaves Nagle's algorithm on unless TCP_NODELAY=1 is in the environment; with it on,
    // each PDU written in two pieces waits out the peer's delayed ACK (about 40 ms on Linux), so
    // one C-ECHO association took ~90 ms on loopback. A value the user set is kept.
    ::setenv("TCP_NODELAY", "1", 0);
  });
}

std::string describe(const OFCondition& condition) { return condition.text(); }

}  // namespace radloop::dicom::internal
