// Writes attributes into a DCMTK item and keeps the first failure, so IOD code reads as a list
// of modules. Shared by the image IODs and the report documents.
#pragma once

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcitem.h>

#include <cstdint>
#include <optional>
#include <string_view>

#include "reference/core/result.hpp"

namespace radloop::modality::internal {

class Writer {
 public:
  explicit Writer(DcmItem& item) : item_(item) {}

  Writer& text(const DcmTagKey& tag, std::string_view value) {
    if (!failure_) note(tag, item_.putAndInsertOFStringArray(tag, OFString(value.data(), value.size())));
    return *this;
  }
  Writer& u16(const DcmTagKey& tag, std::uint16_t value) {
    if (!failure_) note(tag, item_.putAndInsertUint16(tag, value));
    return *this;
  }
  Writer& s16(const DcmTagKey& tag, std::int16_t value) {
    if (!failure_) note(tag, item_.putAndInsertSint16(tag, value));
    return *this;
  }
  Writer& empty_sequence(const DcmTagKey& tag) {
    if (!failure_) note(tag, item_.insertEmptyElement(tag));
    return *this;
  }
  // One coded entry (code value, scheme, meaning) as a new item of `sequence`.
  Writer& code_item(const DcmTagKey& sequence, std::string_view value, std::string_view scheme,
                    std::string_view meaning) {
    if (DcmItem* entry = new_item(sequence)) {
      Writer nested(*entry);
      nested.text(DCM_CodeValue, value).text(DCM_CodingSchemeDesignator, scheme).text(DCM_CodeMeaning, meaning);
      merge(nested);
    }
    return *this;
  }
  DcmItem* new_item(const DcmTagKey& sequence) {
    DcmItem* entry = nullptr;
    if (!failure_) note(sequence, item_.findOrCreateSequenceItem(sequence, entry, -2));
    return failure_ ? nullptr : entry;
  }
  Writer& check(const DcmTagKey& tag, const OFCondition& condition) {
    if (!failure_) note(tag, condition);
    return *this;
  }
  Writer& merge(const Writer& other) {
    if (!failure_) failure_ = other.failure_;
    return *this;
  }

  [[nodiscard]] Result<void> result() const {
    if (failure_) return *failure_;
    return {};
  }

 private:
  void note(const DcmTagKey& tag, const OFCondition& condition) {
    if (condition.good()) return;
    failure_ = Error{Errc::internal, tag.toString(), condition.text()};
  }

  DcmItem& item_;
  std::optional<Error> failure_;
};

}  // namespace radloop::modality::internal
