// Process-wide DCMTK set-up done once: its logger quieted to warnings (radloop reports
// through events and spdlog) and Nagle's algorithm off for its sockets.
#pragma once

#include <string>

class OFCondition;

namespace radloop::dicom::internal {

void ensure_dcmtk_ready();

std::string describe(const OFCondition& condition);

}  // namespace radloop::dicom::internal
