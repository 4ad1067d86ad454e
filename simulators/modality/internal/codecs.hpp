// The transfer syntaxes the synthesizer writes, and the DCMTK codec parameters behind each.
#pragma once

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcpixel.h>
#include <dcmtk/dcmdata/dcxfer.h>

#include <cstdint>
#include <memory>
#include <string_view>

#include "reference/core/result.hpp"

namespace radloop::modality::internal {

struct Encoding {
  E_TransferSyntax xfer = EXS_Unknown;
  std::unique_ptr<DcmRepresentationParameter> parameters;  // null for native and deflated syntaxes
};

// Registers the RLE, JPEG and JPEG-LS encoders and decoders once per process (thread-safe).
void ensure_codecs_registered();

// Zeroes the pad byte that follows the EOI marker of an odd-length JPEG fragment. DCMTK 3.6.7's
// JPEG-LS encoder leaves that byte uninitialised, so without this two runs differ in one byte.
void zero_fragment_padding(DcmDataset& dataset, const Encoding& encoding);

// The encoding for `uid` at `bits_allocated`, or invalid_config naming the syntax and why not.
Result<Encoding> encoding_for(std::string_view uid, std::uint16_t bits_allocated);

}  // namespace radloop::modality::internal
