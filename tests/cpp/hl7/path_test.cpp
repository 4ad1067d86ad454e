// Paths and locations.
#include "reference/hl7/path.hpp"

#include <gtest/gtest.h>

namespace radloop::hl7 {
namespace {

TEST(Path, ParsesEveryLevel) {
  const auto p = parse_path("PID-3(2).4.1").value();
  EXPECT_EQ(p.segment, "PID");
  EXPECT_EQ(p.occurrence, 1U);
  EXPECT_EQ(p.field, 3U);
  EXPECT_EQ(p.repetition, 2U);
  EXPECT_EQ(p.component, 4U);
  EXPECT_EQ(p.subcomponent, 1U);
  const auto obx = parse_path("OBX(3)-5").value();
  EXPECT_EQ(obx.occurrence, 3U);
  EXPECT_EQ(obx.effective_repetition(), 0U) << "a whole field means every repetition";
  EXPECT_EQ(parse_path("MSH-9.2").value().effective_repetition(), 1U);
  EXPECT_EQ(parse_path("ZDS-1.1").value().segment, "ZDS");
}

TEST(Path, RejectsWhatIsNotAPath) {
  for (const auto* bad : {"", "PID", "pid-3", "PID-0", "PID-3(0)", "PID-3.", "PID-3.1.", "PID-x", "PID-3 ", "PI-3",
                          "PID(2-3", "PID-3(2"}) {
    auto r = parse_path(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.error().code, Errc::hl7_bad_path);
    }
  }
}

TEST(Path, WritesItselfBack) { EXPECT_EQ(parse_path("OBX(3)-5(2).1.2").value().to_string(), "OBX(3)-5(2).1.2"); }

TEST(Location, RendersEveryKind) {
  EXPECT_EQ(Location{}.to_string(), "message");
  EXPECT_EQ(Location::of_line(5).to_string(), "line 5");
  EXPECT_EQ(Location::of_line(2, 17).to_string(), "line 2, column 17");
  EXPECT_EQ(Location::of_segment(4, "BHS").to_string(), "segment 4 (BHS)");
  EXPECT_EQ(Location::of_segment(1, "MSH", 2).to_string(), "MSH-2 (segment 1)");
  Location l = Location::of_segment(3, "PID", 3);
  l.repetition = 2;
  l.component = 4;
  EXPECT_EQ(l.to_string(), "PID-3(2).4 (segment 3)");
  l.repetition = 1;
  EXPECT_EQ(l.to_string(), "PID-3.4 (segment 3)");
}

}  // namespace
}  // namespace radloop::hl7
