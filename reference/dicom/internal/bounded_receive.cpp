// The capped receive behind receive_bounded (see the header).
#include "reference/dicom/internal/bounded_receive.hpp"

#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcistrmb.h>
#include <dcmtk/dcmdata/dcostrma.h>
#include <dcmtk/dcmdata/dcxfer.h>
#include <fmt/format.h>

#include <algorithm>
#include <string>

#include "reference/dicom/internal/dataset_shape.hpp"
#include "reference/dicom/internal/dcmtk_runtime.hpp"

namespace radloop::dicom::internal {
namespace {

// Keeps the first `cap` bytes, counts the rest.
class CappedBuffer final : public DcmConsumer {
 public:
  explicit CappedBuffer(std::uint64_t cap) : cap_(cap) {}
  OFBool good() const override { return OFTrue; }
  OFCondition status() const override { return EC_Normal; }
  OFBool isFlushed() const override { return OFTrue; }
  offile_off_t avail() const override { return 1 << 30; }
  offile_off_t write(const void* buf, offile_off_t buflen) override {
    const auto n = static_cast<std::uint64_t>(buflen);
    if (received_ < cap_) bytes_.append(static_cast<const char*>(buf), std::min(n, cap_ - received_));
    received_ += n;
    return buflen;
  }
  void flush() override {}

  [[nodiscard]] const std::string& bytes() const { return bytes_; }
  [[nodiscard]] std::uint64_t received() const { return received_; }

 private:
  std::uint64_t cap_;
  std::uint64_t received_ = 0;
  std::string bytes_;
};

class CappedStream final : public DcmOutputStream {
 public:
  explicit CappedStream(CappedBuffer& buffer) : DcmOutputStream(&buffer) {}
};

}  // namespace

Result<std::unique_ptr<DcmDataset>> read_request_dataset(std::string_view bytes, const char* transfer_syntax,
                                                         const DatasetLimits& limits) {
  const auto refuse = [](std::string detail) {
    return Error{Errc::dicom_refused, "data set of the request", std::move(detail)};
  };
  if (bytes.size() > limits.max_in_memory_bytes) {
    return refuse(fmt::format("{} bytes; the limit is {}", bytes.size(), limits.max_in_memory_bytes));
  }
  auto shape = dataset_shape(bytes, transfer_syntax, limits);
  if (!shape) return refuse(shape.error().where + ": " + shape.error().detail);
  auto dataset = std::make_unique<DcmDataset>();
  DcmInputBufferStream in;
  in.setBuffer(bytes.data(), static_cast<offile_off_t>(bytes.size()));
  in.setEos();
  dataset->transferInit();
  const auto read = dataset->read(in, DcmXfer(transfer_syntax).getXfer(), EGL_noChange);
  dataset->transferEnd();
  if (read.bad()) return refuse("cannot read the data set: " + describe(read));
  return dataset;
}

OFCondition receive_bounded(T_ASC_Association* association, T_ASC_PresentationContextID context,
                            T_DIMSE_BlockingMode blocking, int timeout, const DatasetLimits& limits,
                            ReceivedDataset& out) {
  CappedBuffer buffer(limits.max_in_memory_bytes);
  CappedStream stream(buffer);
  T_ASC_PresentationContextID arrived_on = context;
  const auto cond = DIMSE_receiveDataSetInFile(association, blocking, timeout, &arrived_on, &stream, nullptr, nullptr);
  if (cond.bad()) return cond;
  const auto refuse = [&](std::string detail) {
    out.refused = Error{Errc::dicom_refused, "data set of the request", std::move(detail)};
    return EC_Normal;
  };
  if (arrived_on != context) {
    return refuse(fmt::format("the data set came on presentation context {}, the command on {}", arrived_on, context));
  }
  if (buffer.received() > limits.max_in_memory_bytes) {
    return refuse(fmt::format("{} bytes; the limit is {}", buffer.received(), limits.max_in_memory_bytes));
  }
  T_ASC_PresentationContext accepted{};
  if (ASC_findAcceptedPresentationContext(association->params, context, &accepted).bad())
    return refuse(fmt::format("presentation context {} was not accepted", context));
  auto dataset = read_request_dataset(buffer.bytes(), accepted.acceptedTransferSyntax, limits);
  if (!dataset) return refuse(dataset.error().detail);
  out.dataset = std::move(dataset.value());
  return EC_Normal;
}

}  // namespace radloop::dicom::internal
