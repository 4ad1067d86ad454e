// Hand-made histories of reports the RIS signed and the chart the EHR filed, for the checkers
// that judge reports (reports_checker.cpp, idempotence.cpp).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "harness/checkers.hpp"

namespace radloop::harness::testing {

// A report the RIS signed for patient P1, accession A1, with `text`; answered `ack` by the system.
inline void reported(History& h, int step, const std::string& status, const std::string& ack,
                     const std::string& text = "No acute findings.", bool addendum = false, bool order_known = true) {
  h.append("r", OpType::invoke, "hl7_send",
           {{"step", step},
            {"truth",
             {{"accession", "A1"},
              {"report_status", status},
              {"patient_id", "P1"},
              {"issuer", "GENERAL"},
              {"text", text},
              {"addendum", addendum},
              {"order_known", order_known}}}});
  h.append("r", ack == "AA" ? OpType::ok : OpType::fail, "hl7_send", {{"step", step}, {"ack", ack}});
}

inline ehr::ChartEntry charted(const std::string& status, const std::string& text = "No acute findings.",
                               const std::string& patient = "P1", const std::string& control_id = "C1") {
  ehr::ChartEntry e;
  e.control_id = control_id;
  e.patient_id = patient;
  e.issuer = "GENERAL";
  e.accession = "A1";
  e.status = status;
  e.text = text;
  e.answered = "AA";
  e.kept = true;
  return e;
}

// The EHR's chart as the test fills it; the RIS's forwarded orders likewise.
struct Chart {
  std::vector<ehr::ChartEntry> entries;
  std::vector<ForwardedOrder> orders;
  PeerRecords view() {
    return PeerRecords{[this] { return entries; }, [this] { return orders; }, std::chrono::milliseconds(0)};
  }
};

}  // namespace radloop::harness::testing
