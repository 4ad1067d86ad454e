// The messages the pipeline sends: an ORU built from a report record reads back (through our
// own ORU reader) as the same report, passes structure validation, and a forwarded order keeps
// everything but its header.
#include "reference/pipeline/outbound_messages.hpp"

#include <gtest/gtest.h>

#include "reference/hl7/parser.hpp"
#include "reference/hl7/validate.hpp"
#include "reference/report/oru.hpp"

namespace radloop::pipeline {
namespace {

Stamp stamp() { return Stamp{"RADLOOP", "RAD", "EHR", "GENERAL", "RL0001", "20261122100000"}; }

store::OrderRecord sample_order() {
  store::OrderRecord order;
  order.placer = "P1";
  order.filler = "F1";
  order.accession = "ACC1";
  order.patient_mrn = "MRN1";
  order.patient_issuer = "GENERAL";
  return order;
}

report::Report sample() {
  report::Report r;
  r.status = report::Status::corrected;
  r.patient_id = "MRN1";
  r.issuer = "GENERAL";
  r.patient_name = "MÜLLER^ANNA";
  r.accession = "ACC1";
  r.placer_order = "P1";
  r.procedure_code = "71250";
  r.procedure_text = "CT CHEST";
  r.observation_time = "20261122090000";
  r.status_time = "20261122100000";
  r.interpreter = "SMITH";
  r.sections = {{"Findings", "Lungs clear.\n\nNo effusion | none ^ at all."}, {"Impression", "Normal."}};
  r.addenda = {{"Addendum", "Compared with 2025."}};
  r.coded = {{"Breast density", "C", "heterogeneously dense", "ACR"}};
  r.attachments = {{"application/pdf", "Signed report", std::string("%PDF-1.4\x00\xff", 10), ""}};
  return r;
}

TEST(OruMessage, ReadsBackAsTheSameReport) {
  auto order = sample_order();
  const auto er7 = oru_message(sample(), order, "1.2.3.4", stamp());
  auto parsed = hl7::parse(er7);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  EXPECT_TRUE(hl7::valid(hl7::validate(*parsed))) << er7;
  EXPECT_EQ(parsed->get("MSH-10").value(), "RL0001");
  EXPECT_EQ(parsed->get("MSH-5").value(), "EHR");
  EXPECT_EQ(parsed->get("PID-5.1").value(), "MÜLLER");
  EXPECT_EQ(parsed->get("ZDS-1.1").value(), "1.2.3.4");

  const auto back = report::report_from_oru(*parsed);
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(back->status, report::Status::corrected);
  EXPECT_EQ(back->accession, "ACC1");
  EXPECT_EQ(back->patient_id, "MRN1");
  EXPECT_EQ(back->issuer, "GENERAL");
  EXPECT_EQ(back->study_instance_uid, "1.2.3.4");
  EXPECT_EQ(back->interpreter, "SMITH");
  ASSERT_EQ(back->sections.size(), 2U);
  EXPECT_EQ(back->sections[0].heading, "Findings");
  EXPECT_EQ(back->sections[0].text, "Lungs clear.\n \nNo effusion | none ^ at all.");
  EXPECT_EQ(back->sections[1].text, "Normal.");
  ASSERT_EQ(back->addenda.size(), 1U);
  EXPECT_EQ(back->addenda[0].text, "Compared with 2025.");
  ASSERT_EQ(back->coded.size(), 1U);
  EXPECT_EQ(back->coded[0].code, "C");
  EXPECT_EQ(back->coded[0].system, "ACR");
}

TEST(StatusUpdate, TellsTheRisTheOrdersNewStatus) {
  auto order = sample_order();
  order.status = "CM";
  order.study_uid = "1.2.3";
  store::PatientRecord patient;
  patient.name = "DOE^JANE";
  auto parsed = hl7::parse(status_update(order, patient, stamp())).value();
  const auto issues = hl7::validate(parsed);
  EXPECT_TRUE(hl7::valid(issues)) << (issues.empty() ? std::string()
                                                     : issues.front().text + " at " + issues.front().where.to_string());
  EXPECT_EQ(parsed.get("MSH-9").value(), "ORM^O01^ORM_O01");
  EXPECT_EQ(parsed.get("ORC-1").value(), "SC");
  EXPECT_EQ(parsed.get("ORC-5").value(), "CM");
  EXPECT_EQ(parsed.get("OBR-18").value(), "ACC1");
  EXPECT_EQ(parsed.get("PID-5.2").value(), "JANE");
}

TEST(Restamp, KeepsTheMessageAndReplacesItsHeader) {
  const std::string in =
      "MSH|^~\\&|EHR|GENERAL|RADLOOP|RAD|20260101||ORM^O01|C9|P|2.5.1\rPID|1||MRN1^^^GENERAL\rORC|NW|P1\r";
  const auto out = restamp(in, stamp()).value();
  auto parsed = hl7::parse(out).value();
  EXPECT_EQ(parsed.get("MSH-3").value(), "RADLOOP");
  EXPECT_EQ(parsed.get("MSH-5").value(), "EHR");
  EXPECT_EQ(parsed.get("MSH-10").value(), "RL0001");
  EXPECT_EQ(parsed.get("MSH-9").value(), "ORM^O01");
  EXPECT_EQ(out.substr(out.find("\rPID")), in.substr(in.find("\rPID")));
  EXPECT_FALSE(restamp("not hl7", stamp()).ok());
}

}  // namespace
}  // namespace radloop::pipeline
