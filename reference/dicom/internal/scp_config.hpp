// What an accepted association may propose and how it is negotiated: the presentation contexts
// the server offers, and the Maximum Length DCMTK announces for a configured one.
#pragma once

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmnet/scpcfg.h>

#include <cstdint>

#include "reference/dicom/server.hpp"

namespace radloop::dicom::internal {

// The presentation contexts every association may propose, and what we answer with. Storage
// contexts are negotiated by the association handler.
DcmSharedSCPConfig make_scp_config(const ServerConfig& config);

// The Maximum Length DCMTK announces for a configured one: even, and at least 4096 (as
// ASC_createAssociationParameters makes it). P-DATA-TF PDUs are held to this, not to the setting.
std::uint32_t announced_max_pdu(std::uint32_t configured);

}  // namespace radloop::dicom::internal
