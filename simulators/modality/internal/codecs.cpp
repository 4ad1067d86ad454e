// Codec registration and the transfer syntax table of the synthesizer.
#include "simulators/modality/internal/codecs.hpp"

#include <dcmtk/dcmdata/dcrleerg.h>
#include <dcmtk/dcmjpeg/djencode.h>
#include <dcmtk/dcmjpeg/djrplol.h>
#include <dcmtk/dcmjpeg/djrploss.h>
#include <dcmtk/dcmjpls/djencode.h>
#include <dcmtk/dcmjpls/djrparam.h>

#include <mutex>
#include <string>

namespace radloop::modality::internal {

void ensure_codecs_registered() {
  static std::once_flag once;
  std::call_once(once, [] {
    // Never a new SOP Instance UID on (lossy) compression: a new UID would come from the clock and
    // break both determinism and the UIDs the caller was handed.
    DJEncoderRegistration::registerCodecs(ECC_lossyYCbCr, EUC_never);
    DJLSEncoderRegistration::registerCodecs(0, 0, 0, 0, OFTrue, 0, OFTrue, EJLSUC_never);
    DcmRLEEncoderRegistration::registerCodecs(OFFalse);
  });
}

Result<Encoding> encoding_for(std::string_view uid, std::uint16_t bits_allocated) {
  const DcmXfer xfer(std::string(uid).c_str());
  Encoding encoding;
  encoding.xfer = xfer.getXfer();
  switch (encoding.xfer) {
    case EXS_LittleEndianImplicit:
    case EXS_LittleEndianExplicit:
    case EXS_DeflatedLittleEndianExplicit: return encoding;
    case EXS_RLELossless: return encoding;  // the RLE encoder takes no representation parameter
    case EXS_JPEGProcess1:
      if (bits_allocated != 8) {
        return Error{Errc::invalid_config, "transfer syntax " + std::string(uid),
                     "JPEG Baseline (Process 1) encodes 8-bit samples only; the study has " +
                         std::to_string(bits_allocated) + "-bit pixels"};
      }
      encoding.parameters = std::make_unique<DJ_RPLossy>(90);
      return encoding;
    case EXS_JPEGProcess14SV1: encoding.parameters = std::make_unique<DJ_RPLossless>(1, 0); return encoding;
    case EXS_JPEGLSLossless:
      encoding.parameters = std::make_unique<DJLSRepresentationParameter>(0, OFTrue);
      return encoding;
    default:
      return Error{Errc::invalid_config, "transfer syntax " + std::string(uid),
                   "not one the synthesizer writes (implicit/explicit/deflated little endian, RLE, JPEG "
                   "baseline, JPEG lossless SV1, JPEG-LS lossless)"};
  }
}

}  // namespace radloop::modality::internal
