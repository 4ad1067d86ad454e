#include "reference/core/error.hpp"

#include <gtest/gtest.h>

namespace radloop {

TEST(ErrorCatalogue, MapsEachErrorToEveryProtocol) {
  const auto& oversize = info(Errc::mllp_frame_too_large);
  EXPECT_EQ(oversize.id, "mllp_frame_too_large");
  EXPECT_EQ(oversize.hl7_ack, "AR");
  EXPECT_EQ(oversize.http_status, 413);

  const auto& store = info(Errc::store_failed);
  EXPECT_EQ(store.hl7_ack, "AE");
  EXPECT_EQ(store.dimse_status, 0xA700);  // Refused: out of resources
  EXPECT_EQ(info(Errc::hl7_required_missing).hl7_0357, 101);
}

TEST(ErrorCatalogue, EveryEntryHasASentenceAndAnAckCode) {
  for (auto code = 0; code <= static_cast<int>(Errc::scenario_invalid); ++code) {
    const auto& entry = info(static_cast<Errc>(code));
    EXPECT_FALSE(entry.sentence.empty()) << entry.id;
    EXPECT_TRUE(entry.hl7_ack == "AE" || entry.hl7_ack == "AR") << entry.id;
  }
}

TEST(Error, MessageNamesWhatAndWhere) {
  const Error e{Errc::hl7_required_missing, "MSH-10", "message control ID is empty"};
  EXPECT_EQ(e.message(), "A required field is empty at MSH-10: message control ID is empty");
  const Error bare{Errc::internal, "", ""};
  EXPECT_EQ(bare.message(), std::string(info(Errc::internal).sentence));
}

}  // namespace radloop
