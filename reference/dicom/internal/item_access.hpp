// Reading values and sequence items out of a DCMTK item without caring whether they are there:
// absent reads as empty, as DICOM's type 2 and 3 attributes are meant to.
#pragma once

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcitem.h>
#include <dcmtk/dcmdata/dcsequen.h>

#include <string>
#include <vector>

namespace radloop::dicom::internal {

// Every value of the element, backslash-separated; "" when absent.
inline std::string text_of(DcmItem& item, const DcmTagKey& tag) {
  OFString value;
  if (item.findAndGetOFStringArray(tag, value).bad()) return {};
  return value.c_str();  // NOLINT(readability-redundant-string-cstr): OFString is std::string only in some DCMTK builds
}

// The items of a sequence; none when the element is absent or is not a sequence.
inline std::vector<DcmItem*> items_of(DcmItem& parent, const DcmTagKey& tag) {
  std::vector<DcmItem*> items;
  DcmSequenceOfItems* sequence = nullptr;
  if (parent.findAndGetSequence(tag, sequence).bad() || sequence == nullptr) return items;
  for (unsigned long i = 0; i < sequence->card(); ++i) items.push_back(sequence->getItem(i));
  return items;
}

inline DcmItem* first_item_of(DcmItem& parent, const DcmTagKey& tag) {
  DcmItem* item = nullptr;
  if (parent.findAndGetSequenceItem(tag, item, 0).bad()) return nullptr;
  return item;
}

}  // namespace radloop::dicom::internal
