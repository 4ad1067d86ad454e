// Typed segment views over realistic radiology messages.
#include "reference/hl7/segments.hpp"

#include <gtest/gtest.h>

#include "reference/hl7/parser.hpp"

namespace radloop::hl7 {
namespace {

constexpr std::string_view kOmi =
    "MSH|^~\\&|RIS|RAD|PACS|RAD|20260301101500||OMI^O23^OMI_O23|O1|P|2.5.1|||AL|NE||UNICODE UTF-8\r"
    "PID|1||MRN1^^^GEN&1.2.3&ISO^MR~55^^^STATE^SS||Ødegård^Åse^M^Jr^Dr||19650214|F|||Main St 1^^Oslo^^0150\r"
    "PV1|1|O|RAD^R1^B2^GEN||||D1^WHO^JOHN|D2^REF^RITA|||||||||||V123^^^GEN\r"
    "ORC|NW|PLC1^EHR|FIL1^RIS||SC\r"
    "TQ1|1||||||20260302080000|20260302083000|R\r"
    "OBR|1|PLC1^EHR|FIL1^RIS|24627-2^CT CHEST^LN|||||||||history of cough|||||ACC1|RP1|||||CT\r"
    "IPC|ACC1^RIS|RP1^RIS|1.2.840.1.2.3|SPS1^RIS|CT||CT01||CT_SCANNER_1~CT_SCANNER_2\r"
    "ZDS|1.2.840.1.2.3^RIS^Application^DICOM\r";

constexpr std::string_view kOru =
    "MSH|^~\\&|RIS|RAD|EHR|GEN|20260301120000||ORU^R01|R1|P|2.3\r"
    "OBR|1|PLC1|FIL1|71020^CHEST^C4|||||||||||||||||||||F\r"
    "OBX|1|TX|IMP^Impression||Line one~Line two||||||F\r"
    "NTE|1|L|first~second\r";

TEST(Segments, HeaderAndMessageType) {
  const auto m = parse(kOmi).value();
  const auto msh = first<Msh>(m).value();
  EXPECT_EQ(msh.sending_application(), "RIS");
  EXPECT_EQ(msh.control_id(), "O1");
  EXPECT_EQ(msh.accept_ack_type(), "AL");
  EXPECT_EQ(msh.character_set(), "UNICODE UTF-8");
  const auto t = message_type(m);
  EXPECT_EQ(t.name(), "OMI^O23");
  EXPECT_EQ(t.structure, "OMI_O23");
  EXPECT_EQ(t.version, "2.5.1");
  EXPECT_EQ(message_type(parse(kOru).value()).structure, "ORU_R01") << "derived from the trigger when MSH-9.3 is empty";
}

TEST(Segments, PatientIdentifiersNamesAndVisit) {
  const auto m = parse(kOmi).value();
  const auto pid = first<Pid>(m).value();
  const auto ids = pid.identifiers();
  ASSERT_EQ(ids.size(), 2U);
  EXPECT_EQ(ids[0].id, "MRN1");
  EXPECT_EQ(ids[0].authority, "GEN");
  EXPECT_EQ(ids[0].authority_universal_id, "1.2.3");
  EXPECT_EQ(ids[0].type, "MR");
  EXPECT_EQ(pid.identifier_from("STATE")->id, "55");
  EXPECT_FALSE(pid.identifier_from("OTHER").has_value());
  EXPECT_EQ(pid.name().family, "Ødegård");
  EXPECT_EQ(pid.name().given, "Åse");
  EXPECT_EQ(pid.name().prefix, "Dr");
  EXPECT_EQ(pid.birth_date(), "19650214");
  EXPECT_EQ(pid.city(), "Oslo");
  const auto pv1 = first<Pv1>(m).value();
  EXPECT_EQ(pv1.patient_class(), "O");
  EXPECT_EQ(pv1.room(), "R1");
  EXPECT_EQ(pv1.attending_doctor().family, "WHO");
  EXPECT_EQ(pv1.referring_doctor_id(), "D2");
  EXPECT_EQ(pv1.visit_number().id, "V123");
}

TEST(Segments, OrderAndImagingProcedure) {
  const auto m = parse(kOmi).value();
  const auto orc = first<Orc>(m).value();
  EXPECT_EQ(orc.order_control(), "NW");
  EXPECT_EQ(orc.placer_order_number().id, "PLC1");
  EXPECT_EQ(orc.placer_order_number().namespace_id, "EHR");
  EXPECT_EQ(orc.order_status(), "SC");
  EXPECT_EQ(first<Tq1>(m)->start_date_time(), "20260302080000");
  const auto obr = first<Obr>(m).value();
  EXPECT_EQ(obr.universal_service().code, "24627-2");
  EXPECT_EQ(obr.universal_service().system, "LN");
  EXPECT_EQ(obr.clinical_information(), "history of cough");
  EXPECT_EQ(obr.placer_field_1(), "ACC1");
  EXPECT_EQ(obr.diagnostic_service_section(), "CT");
  const auto ipc = first<Ipc>(m).value();
  EXPECT_EQ(ipc.accession().id, "ACC1");
  EXPECT_EQ(ipc.study_instance_uid(), "1.2.840.1.2.3");
  EXPECT_EQ(ipc.modality(), "CT");
  EXPECT_EQ(ipc.scheduled_station_ae_titles(), (std::vector<std::string>{"CT_SCANNER_1", "CT_SCANNER_2"}));
  EXPECT_EQ(first<Zds>(m)->study_instance_uid(), "1.2.840.1.2.3");
}

TEST(Segments, ResultsAndNotesJoinRepetitionsAsLines) {
  const auto m = parse(kOru).value();
  const auto obx = first<Obx>(m).value();
  EXPECT_EQ(obx.value_type(), "TX");
  EXPECT_EQ(obx.observation().text, "Impression");
  EXPECT_EQ(obx.text(), "Line one\nLine two");
  EXPECT_EQ(obx.result_status(), "F");
  EXPECT_EQ(first<Nte>(m)->comment(), "first\nsecond");
  EXPECT_EQ(first<Obr>(m)->result_status(), "F");
  EXPECT_EQ(all<Obx>(m).size(), 1U);
  EXPECT_FALSE(first<Mrg>(m).has_value());
}

TEST(Segments, MergeAckAndError) {
  const auto m = parse(
                     "MSH|^~\\&|ADT|GEN|RIS|RAD|20260301||ADT^A40^ADT_A39|M1|P|2.5\rEVN|A40|20260301\r"
                     "PID|1||NEW1^^^GEN^MR||DOE^JANE\rMRG|OLD1^^^GEN^MR~OLD2^^^GEN^MR||ACC9||V9||DOE^JAN\r"
                     "MSA|AE|M0|bad\rERR||PID^1^3^1|101^Required field missing^HL70357|E||||PID-3 is empty\r")
                     .value();
  const auto mrg = first<Mrg>(m).value();
  ASSERT_EQ(mrg.prior_identifiers().size(), 2U);
  EXPECT_EQ(mrg.prior_identifiers()[1].id, "OLD2");
  EXPECT_EQ(mrg.prior_visit_number().id, "V9");
  EXPECT_EQ(mrg.prior_name().given, "JAN");
  EXPECT_EQ(first<Msa>(m)->code(), "AE");
  const auto err = first<Err>(m).value();
  EXPECT_EQ(err.segment(), "PID");
  EXPECT_EQ(err.field_position(), "3");
  EXPECT_EQ(err.error_code().code, "101");
  EXPECT_EQ(err.severity(), "E");
  EXPECT_EQ(err.user_message(), "PID-3 is empty");
}

}  // namespace
}  // namespace radloop::hl7
