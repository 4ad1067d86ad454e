// Codec registration and the transfer syntax table of the synthesizer.
#include "simulators/modality/internal/codecs.hpp"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcpixseq.h>
#include <dcmtk/dcmdata/dcpxitem.h>
#include <dcmtk/dcmdata/dcrledrg.h>
#include <dcmtk/dcmdata/dcrleerg.h>
#include <dcmtk/dcmjpeg/djdecode.h>
#include <dcmtk/dcmjpeg/djencode.h>
#include <dcmtk/dcmjpeg/djrplol.h>
#include <dcmtk/dcmjpeg/djrploss.h>
#include <dcmtk/dcmjpls/djdecode.h>
#include <dcmtk/dcmjpls/djencode.h>
#include <dcmtk/dcmjpls/djrparam.h>
#include <dcmtk/oflog/oflog.h>

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
    // The decoders too: the sender decompresses an instance the receiver takes only uncompressed.
    DJDecoderRegistration::registerCodecs();
    DJLSDecoderRegistration::registerCodecs();
    DcmRLEDecoderRegistration::registerCodecs();
    // dcmimgle, which the JPEG codecs use, says at info level once per frame that it ignores
    // the modality LUT (as asked); that is noise on every run.
    OFLog::getLogger("dcmtk.dcmimgle").setLogLevel(OFLogger::WARN_LOG_LEVEL);
  });
}

void zero_fragment_padding(DcmDataset& dataset, const Encoding& encoding) {
  if (!DcmXfer(encoding.xfer).isEncapsulated()) return;
  DcmElement* element = nullptr;
  if (dataset.findAndGetElement(DCM_PixelData, element).bad()) return;
  auto* pixels = dynamic_cast<DcmPixelData*>(element);
  DcmPixelSequence* fragments = nullptr;
  if (pixels == nullptr ||
      pixels->getEncapsulatedRepresentation(encoding.xfer, encoding.parameters.get(), fragments).bad() ||
      fragments == nullptr) {
    return;
  }
  // Item 0 is the basic offset table; the fragments follow.
  for (unsigned long i = 1; i < fragments->card(); ++i) {
    DcmPixelItem* fragment = nullptr;
    Uint8* bytes = nullptr;
    if (fragments->getItem(fragment, i).bad() || fragment->getUint8Array(bytes).bad() || bytes == nullptr) continue;
    const Uint32 length = fragment->getLength();
    if (length >= 3 && bytes[length - 3] == 0xFF && bytes[length - 2] == 0xD9) bytes[length - 1] = 0;
  }
}

Result<Encoding> encoding_for(std::string_view uid, std::uint16_t bits_allocated) {
  const DcmXfer xfer(std::string(uid).c_str());
  Encoding encoding;
  encoding.xfer = xfer.getXfer();
  switch (encoding.xfer) {
    case EXS_LittleEndianImplicit:
    case EXS_LittleEndianExplicit:
    case EXS_DeflatedLittleEndianExplicit:
    case EXS_RLELossless:  // the RLE encoder takes no representation parameter
      return encoding;
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
