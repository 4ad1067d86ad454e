// The catalogue table behind Errc, and the sentence an Error reads as.
#include "reference/core/error.hpp"

#include <array>

namespace radloop {
namespace {

constexpr std::array kCatalogue = {
#define RADLOOP_ERROR(id, ack, e0357, dimse, http, sentence) ErrorInfo{#id, ack, e0357, dimse, http, sentence},
#include "reference/core/error_catalogue.def"
#undef RADLOOP_ERROR
};

}  // namespace

const ErrorInfo& info(Errc code) noexcept { return kCatalogue.at(static_cast<std::size_t>(code)); }

std::string Error::message() const {
  std::string text(info(code).sentence);
  if (!where.empty()) {
    text += " at ";
    text += where;
  }
  if (!detail.empty()) {
    text += ": ";
    text += detail;
  }
  return text;
}

}  // namespace radloop
