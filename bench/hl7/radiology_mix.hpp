// A deterministic mix of realistic radiology HL7 traffic for benchmarks: ADT^A08, ORM^O01 and
// ORU^R01 reports with 5, 15 and 40 OBX lines (about 0.5 to 8 KB each).
#pragma once

#include <fmt/format.h>

#include <string>
#include <vector>

namespace radloop::bench {

inline std::string msh(std::string_view type, int n) {
  return fmt::format(
      "MSH|^~\\&|EPIC|GENERAL_HOSPITAL|RADLOOP|RADIOLOGY|20260301{:06}||{}|MSG{:08}|P|2.5.1|||AL|NE||8859/1\r",
      n % 240000, type, n);
}

inline std::string pid(int n) {
  return fmt::format(
      "PID|1||MRN{:07}^^^GENERAL_HOSPITAL&1.2.840.114350&ISO^MR~{:09}^^^USSSA^SS||M\xfcLLER^ANNA^MARIE^^DR||1965{:02}{:"
      "02}|F|||"
      "1200 N ELM ST^APT "
      "4B^GREENSBORO^NC^27401^USA^H||(336)555-{:04}^PRN^PH~^NET^Internet^anna@example.org|||M|||{:09}\r",
      n, 100000000 + n, 1 + n % 12, 1 + n % 28, n % 10000, 200000000 + n);
}

inline std::string pv1(int n) {
  return fmt::format(
      "PV1|1|O|RAD^XR{:02}^1^GENERAL_HOSPITAL||||1234^WELBY^MARCUS^J^^DR^MD|5678^HOUSE^GREGORY^^^DR^MD|||||||||||V{:08}"
      "^^^GENERAL_HOSPITAL^VN|||||||||||||||||||||||||20260301080000\r",
      n % 20, n);
}

inline std::string adt(int n) {
  return msh("ADT^A08^ADT_A01", n) + "EVN|A08|20260301080000|||OPER^SMITH^JOHN\r" + pid(n) +
         "PD1|||GENERAL_HOSPITAL^^1001|4321^PRIMARY^PAT^^^DR\r" + pv1(n) +
         "AL1|1|DA|70618^PENICILLIN^RXNORM|MO|HIVES\r";
}

inline std::string orm(int n) {
  return msh("ORM^O01^ORM_O01", n) + pid(n) + pv1(n) +
         fmt::format(
             "ORC|NW|PLC{:08}^EPIC|||SC||^^^20260302083000^^R||20260301080000|NURSE^JANE||1234^WELBY^MARCUS^^^DR\r"
             "OBR|1|PLC{:08}^EPIC||71020^XR CHEST 2 VIEWS^CPT4|||20260302083000||||||Cough for three weeks, "
             "rule out pneumonia|||1234^WELBY^MARCUS^^^DR||ACC{:08}|RP{:06}||||CR|||^^^20260302083000^^R||||"
             "R05^Cough^I10\r"
             "ZDS|1.2.840.113619.2.55.3.{}^RADLOOP^Application^DICOM\r",
             n, n, n, n % 1000000, n);
}

inline std::string oru(int n, int observations) {
  std::string out = msh("ORU^R01^ORU_R01", n) + pid(n) + pv1(n) +
                    fmt::format(
                        "ORC|RE|PLC{:08}^EPIC|ACC{:08}^RIS||CM\r"
                        "OBR|1|PLC{:08}^EPIC|ACC{:08}^RIS|74177^CT ABDOMEN PELVIS W CONTRAST^CPT4|||"
                        "20260302090000|||||||||1234^WELBY^MARCUS^^^DR||ACC{:08}|||20260302101500||CT|F||||||"
                        "R10.9&Abdominal pain&I10|9012^RADIOLOGIST^RITA^^^DR\r",
                        n, n, n, n, n);
  for (int i = 1; i <= observations; ++i) {
    out += fmt::format(
        "OBX|{}|TX|59776-5^Procedure findings^LN|{}|Finding {}: the liver, spleen and pancreas are unremarkable; no "
        "free "
        "fluid \\T\\ no lymphadenopathy.\\.br\\Kidneys enhance symmetrically \\S\\ without hydronephrosis.||||||F|||"
        "20260302101500||9012^RADIOLOGIST^RITA^^^DR\r",
        i, i, i);
  }
  out += "OBX|" + std::to_string(observations + 1) +
         "|CE|19005-8^Impression^LN||R10.9^No acute abnormality^I10||||||F\r"
         "NTE|1|L|Dictated by Rita Radiologist, MD. Electronically signed 20260302101500.\r";
  return out;
}

inline std::vector<std::string> radiology_mix() {
  std::vector<std::string> out;
  for (int n = 1; n <= 40; ++n) {
    out.push_back(adt(n));
    out.push_back(orm(n));
    out.push_back(oru(n, n % 3 == 0 ? 40 : (n % 3 == 1 ? 5 : 15)));
  }
  return out;
}

}  // namespace radloop::bench
