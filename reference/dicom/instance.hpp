// What the C-STORE service hands on for each instance it kept: a plain record, no DCMTK types.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "reference/core/result.hpp"

namespace radloop::dicom {

struct InstanceRecord {
  enum class Outcome { stored, duplicate, conflict };

  std::string patient_id;            // (0010,0020)
  std::string issuer_of_patient_id;  // (0010,0021)
  std::string patient_name;          // (0010,0010), as received
  std::string patient_birth_date;    // (0010,0030)
  std::string patient_sex;           // (0010,0040)
  std::string accession_number;      // (0008,0050)
  std::string study_instance_uid;    // (0020,000D)
  std::string series_instance_uid;   // (0020,000E)
  std::string sop_instance_uid;      // (0008,0018)
  std::string sop_class_uid;         // (0008,0016)
  std::string modality;              // (0008,0060)
  std::string study_date;            // (0008,0020)
  std::string study_time;            // (0008,0030)
  std::string study_id;              // (0020,0010)
  std::string study_description;     // (0008,1030)
  std::string referring_physician;   // (0008,0090)
  std::string series_number;         // (0020,0011), IS as received
  std::string series_description;    // (0008,103E)
  std::string instance_number;       // (0020,0013), IS as received
  std::string transfer_syntax_uid;   // (0002,0010), the syntax it was received in and is kept in
  std::string file_path;             // where the bytes are: the instance, or the copy kept aside on conflict
  std::uint64_t size_bytes = 0;
  // The instance's checksum: XXH3-128 (32 lowercase hex digits, xxHash's canonical form) of the
  // data set as received, that is the file after its meta header (which names the sender). Two
  // copies of one SOP Instance UID are the same instance when this matches. A fast
  // non-cryptographic hash: it guards against accidents (a changed pixel, a truncated file), not
  // against someone crafting a collision, and costs next to nothing beside the transfer.
  std::string dataset_digest;
  std::string calling_ae;
  Outcome outcome = Outcome::stored;
};

std::string_view to_string(InstanceRecord::Outcome outcome);

// Called on a service thread once the file is durable and before the C-STORE response is sent.
// An error (or an exception) undoes what was written and answers 0xA700 (0xC211 for an exception),
// so the peer is never told "success" for an instance nobody indexed. Must be thread-safe.
using InstanceSink = std::function<Result<void>(const InstanceRecord&)>;

}  // namespace radloop::dicom
