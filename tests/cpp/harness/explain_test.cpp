// A scenario in words: each step's action and expectation, numbered as in the file.
#include "harness/explain.hpp"

#include <gtest/gtest.h>

namespace radloop::harness {
namespace {

TEST(Explain, SaysWhatEachStepDoesAndExpects) {
  const auto scenario =
      load_scenario(std::string(RADLOOP_SOURCE_DIR) + "/scenarios/reports/order_to_chart.yaml").value();
  const auto text = explain(scenario);
  EXPECT_NE(text.find("order_to_chart: EHR order"), std::string::npos) << text;
  EXPECT_NE(text.find("  2. EHR orders a chest CT\n     the EHR orders P2001 (71250^CT CHEST^CPT4, CT) for MRN2001"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("the RIS signs a F report for P2001, with ZDS (ORU^R01)"), std::string::npos) << text;
  EXPECT_NE(text.find("expects found true"), std::string::npos) << text;
}

TEST(Explain, NamesAnHl7MessageByItsHeader) {
  EXPECT_EQ(describe(Hl7Send{"MSH|^~\\&|EHR|H|R|R|20260101||ADT^A04|C1|P|2.5.1\rPID|1"}),
            "HL7 over MLLP: ADT^A04 (control ID C1)");
  EXPECT_EQ(describe(Hl7Send{"hello"}), "HL7 over MLLP: a payload that is not an HL7 message");
  EhrAdt merge;
  merge.trigger = "A40";
  merge.patient.mrn = "M2";
  merge.merge_from = "M1";
  EXPECT_EQ(describe(merge), "the EHR merges M1 into M2 (ADT^A40)");
}

}  // namespace
}  // namespace radloop::harness
